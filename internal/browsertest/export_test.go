package browsertest

// DriverPID is chromedriver's process id, for the cleanup test.
func (b *Browser) DriverPID() int { return b.driver.Process.Pid }

// Profile is Chromium's --user-data-dir, for the cleanup test.
func (b *Browser) Profile() string { return b.profile }
