package deploy

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebianPackage builds the Debian package with deploy/package.sh and checks what an
// administrator gets: the control fields, the files and their modes, the configuration files
// kept on upgrade, a shipped configuration that passes check-config with the packaged binary
// itself, maintainer scripts that parse, and a unit systemd-analyze accepts.
//
// Building the static binary and nfpm takes a minute or more of CPU, so it runs only when asked:
//
//	CALLFLOOR_PACKAGE_TEST=1 ./deploy/test.sh ./deploy/ -run DebianPackage
func TestDebianPackage(t *testing.T) {
	if os.Getenv("CALLFLOOR_PACKAGE_TEST") == "" {
		t.Skip("set CALLFLOOR_PACKAGE_TEST=1 to build and check the Debian package")
	}
	if _, err := exec.LookPath("dpkg-deb"); err != nil {
		t.Skip("dpkg-deb not installed")
	}
	out := t.TempDir()
	cmd := exec.Command("./package.sh")
	cmd.Env = append(os.Environ(), "CALLFLOOR_PACKAGE_DIR="+out, "CALLFLOOR_VERSION=1.2.3~test1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("package.sh: %v\n%s", err, b)
	}
	debs, _ := filepath.Glob(filepath.Join(out, "callfloor_1.2.3~test1_*.deb"))
	if len(debs) != 1 {
		t.Fatalf("packages built: %v", debs)
	}
	deb := debs[0]
	run := func(name string, args ...string) string {
		t.Helper()
		b, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, b)
		}
		return string(b)
	}
	info := run("dpkg-deb", "--info", deb)
	for _, want := range []string{"Package: callfloor", "Version: 1.2.3~test1", "Recommends: redis-server, postgresql", "postinst", "prerm", "postrm"} {
		if !strings.Contains(info, want) {
			t.Errorf("control: no %q in\n%s", want, info)
		}
	}
	ctrl := t.TempDir()
	run("dpkg-deb", "--control", deb, ctrl)
	cf, err := os.ReadFile(filepath.Join(ctrl, "conffiles"))
	if err != nil || !strings.Contains(string(cf), "/etc/callfloor/callfloor.yaml") || !strings.Contains(string(cf), "/etc/callfloor/callfloor.env") {
		t.Errorf("conffiles (kept on upgrade): %q %v", cf, err)
	}
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		run("sh", "-n", filepath.Join(ctrl, s))
	}
	list := run("dpkg-deb", "--contents", deb)
	for _, want := range []string{
		"-rwxr-xr-x root/root", "./usr/bin/callfloor",
		"./lib/systemd/system/callfloor.service",
		"-rw-r----- root/root", "./etc/callfloor/callfloor.yaml", "./etc/callfloor/callfloor.env",
		"./usr/share/doc/callfloor/README.md", "./usr/share/doc/callfloor/asterisk/extensions.conf",
	} {
		if !strings.Contains(list, want) {
			t.Errorf("contents: no %q in\n%s", want, list)
		}
	}
	root := t.TempDir()
	run("dpkg-deb", "--extract", deb, root)
	bin := filepath.Join(root, "usr/bin/callfloor")
	if file := run("file", bin); !strings.Contains(file, "statically linked") {
		t.Errorf("the binary is not static: %s", file)
	}
	// the shipped configuration is valid as it is once the administrator has filled in the
	// ARI password in callfloor.env (the unit's EnvironmentFile)
	var stdout, stderr bytes.Buffer
	chk := exec.Command(bin, "check-config", "-offline", "-config", filepath.Join(root, "etc/callfloor/callfloor.yaml"))
	chk.Env = append(os.Environ(), "CALLFLOOR_ARI_PASSWORD=secret")
	chk.Stdout, chk.Stderr = &stdout, &stderr
	if err := chk.Run(); err != nil {
		t.Errorf("check-config of the shipped configuration: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	// the unit: systemd's own checker, with the binary where the unit expects it
	if _, err := exec.LookPath("systemd-analyze"); err == nil {
		unit, err := os.ReadFile(filepath.Join(root, "lib/systemd/system/callfloor.service"))
		if err != nil {
			t.Fatal(err)
		}
		u := strings.ReplaceAll(string(unit), "/usr/bin/callfloor", bin)
		dir := t.TempDir()
		path := filepath.Join(dir, "callfloor.service")
		if err := os.WriteFile(path, []byte(u), 0o644); err != nil {
			t.Fatal(err)
		}
		b, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
		// verify also reports the host's other units' problems; ours must not be named
		if err != nil && strings.Contains(string(b), "callfloor.service") {
			t.Errorf("systemd-analyze verify: %v\n%s", err, b)
		}
	}
}
