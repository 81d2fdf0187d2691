package sim

import "sync"

// spool runs the recording file writes and removals in order on a goroutine of its own, so a
// REST handler or timer that finishes a recording never waits for its audio to be generated
// and written (a long call is megabytes). Until a file is written, GET .../file generates the
// same bytes in memory. The goroutine exists only while there is work; close drops what is
// queued and waits for the job in progress, so nothing is written after Close returns.
type spool struct {
	mu      sync.Mutex
	jobs    []func()
	running bool
	closed  bool
	wg      sync.WaitGroup
	idle    *sync.Cond // signalled when the queue is empty and no job runs
}

// spoolMaxWrites bounds the queue for writes: past it a recording's file is not written (it is
// still served, generated on request), so a simulator finishing long recordings faster than
// the disk takes them does not fall ever further behind.
const spoolMaxWrites = 4096

// addWrite queues a file write unless the queue is full; it reports whether it did.
func (sp *spool) addWrite(f func()) bool {
	sp.mu.Lock()
	full := len(sp.jobs) >= spoolMaxWrites
	sp.mu.Unlock()
	if full {
		return false
	}
	sp.add(f)
	return true
}

// add queues f after the jobs already queued.
func (sp *spool) add(f func()) {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.closed {
		return
	}
	sp.jobs = append(sp.jobs, f)
	if !sp.running {
		sp.running = true
		sp.wg.Add(1)
		go sp.run()
	}
}

func (sp *spool) run() {
	defer sp.wg.Done()
	for {
		sp.mu.Lock()
		if len(sp.jobs) == 0 || sp.closed {
			sp.jobs, sp.running = nil, false
			if sp.idle != nil {
				sp.idle.Broadcast()
			}
			sp.mu.Unlock()
			return
		}
		f := sp.jobs[0]
		sp.jobs[0] = nil
		sp.jobs = sp.jobs[1:]
		sp.mu.Unlock()
		f()
	}
}

// wait blocks until every job queued so far has run (tests: the file is on disk).
func (sp *spool) wait() {
	sp.mu.Lock()
	defer sp.mu.Unlock()
	if sp.idle == nil {
		sp.idle = sync.NewCond(&sp.mu)
	}
	for sp.running {
		sp.idle.Wait()
	}
}

// close drops the queued jobs and waits for the one in progress.
func (sp *spool) close() {
	sp.mu.Lock()
	sp.closed = true
	sp.jobs = nil
	sp.mu.Unlock()
	sp.wg.Wait()
}
