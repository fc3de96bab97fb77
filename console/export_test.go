package console

// DemoHelpdeskLocked is the email of the person the demo locked as the
// helpdesk at start, "" when there is none. The tests read it here; the
// demo's visitors read it on the public unlock page's hint.
func (a *App) DemoHelpdeskLocked() string { return a.helpdeskLocked }
