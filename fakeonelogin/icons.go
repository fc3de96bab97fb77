package fakeonelogin

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"sync"
)

// appIcon draws a small square SVG with the app's initials.
func appIcon(name, slug string) []byte {
	h := fnv.New32a()
	h.Write([]byte(slug))
	hue := h.Sum32() % 360
	initials := ""
	for _, w := range strings.Fields(name) {
		initials += strings.ToUpper(string([]rune(w)[0]))
		if len(initials) == 2 {
			break
		}
	}
	return fmt.Appendf(nil, `<svg xmlns="http://www.w3.org/2000/svg" width="50" height="50" viewBox="0 0 50 50">`+
		`<rect width="50" height="50" rx="10" fill="hsl(%d,55%%,42%%)"/>`+
		`<text x="25" y="32" font-family="sans-serif" font-size="20" font-weight="bold" fill="#fff" text-anchor="middle">%s</text></svg>`,
		hue, initials)
}

// missingIconPNG is encoded once per process: every tenant serves the same
// bytes, and encoding them took a fifth of a test console's start under
// the race detector.
var missingIconPNG = sync.OnceValue(func() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 50, 50))
	for y := range 50 {
		for x := range 50 {
			c := color.RGBA{0xd0, 0xd4, 0xda, 0xff}
			if x > 12 && x < 38 && y > 12 && y < 38 {
				c = color.RGBA{0x9a, 0xa1, 0xab, 0xff}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
})

// serveImage serves app icons; they need no token, like OneLogin's CDN.
func (t *Tenant) serveImage(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if r.URL.Path == missingIcon {
		w.Header().Set("Content-Type", "image/png")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.Write(t.missingPNG)
		return
	}
	slug, found := strings.CutPrefix(r.URL.Path, "/images/apps/")
	slug, isSVG := strings.CutSuffix(slug, ".svg")
	svg, known := t.icons[slug]
	if !found || !isSVG || !known {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/svg+xml")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	w.Write(svg)
}
