// Package e2e holds the console's browser journeys: each test starts the
// real console in-process (package console, with the embedded fake OneLogin
// tenant and its OIDC provider), drives Debian's Chromium through
// playwright-go, and checks both what the person sees and what the fake
// tenant received. The tests carry the build tag e2e, so `go test ./...`
// leaves them out; `make e2e` installs the driver, browser and axe-core when
// missing and runs them:
//
//	make e2e                                  # everything, installs as needed
//	make e2e-deps && go test -tags e2e -run TestHelpdesk ./e2e
//
// Screenshots of a failed journey's end state land in e2e/screenshots/.
package e2e
