package dashboards

// SetMaxExportRows lowers the export's bound for a test and returns the function that puts it
// back.
func SetMaxExportRows(n int) (restore func()) {
	old := maxExportRows
	maxExportRows = n
	return func() { maxExportRows = old }
}
