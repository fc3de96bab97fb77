package views

import "strings"

// BrowserOn names the browser and system of a User-Agent header the way
// people say it: "Chrome on macOS", "Safari on iOS". A header it does not
// recognise reads "Unknown browser"; the header itself stays available
// (the sessions page shows it on hover) for whoever needs the detail.
func BrowserOn(ua string) string {
	b, s := browserOf(ua), systemOf(ua)
	switch {
	case b == "" && s == "":
		return "Unknown browser"
	case b == "":
		return "A browser on " + s
	case s == "":
		return b
	}
	return b + " on " + s
}

// browserOf looks for the most specific token first: Edge, Opera and
// Samsung Internet also say Chrome and Safari; Chrome also says Safari.
func browserOf(ua string) string {
	for _, t := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"EdgA/", "Edge"}, {"EdgiOS/", "Edge"},
		{"OPR/", "Opera"}, {"SamsungBrowser/", "Samsung Internet"},
		{"Firefox/", "Firefox"}, {"FxiOS/", "Firefox"},
		{"HeadlessChrome/", "Chrome"}, {"Chrome/", "Chrome"}, {"CriOS/", "Chrome"},
		{"Version/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, t.token) {
			return t.name
		}
	}
	return ""
}

// systemOf checks phones and tablets before the desktop systems whose
// names their headers also carry (iOS says "like Mac OS X", Android says
// Linux).
func systemOf(ua string) string {
	for _, t := range []struct{ token, name string }{
		{"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Android", "Android"}, {"CrOS", "ChromeOS"},
		{"Windows", "Windows"}, {"Macintosh", "macOS"}, {"Mac OS X", "macOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, t.token) {
			return t.name
		}
	}
	return ""
}
