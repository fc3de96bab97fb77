// Package static holds the console's embedded assets (htmx, CSS, the small
// app script) and serves them under content-hashed URLs, so a page can tell
// browsers to cache them for a year and a new build still takes effect at once:
//
//	e.GET(static.Prefix+"*", echo.WrapHandler(static.Handler()))
//	<link rel="stylesheet" href={ static.URL("css/app.css") }/>
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// Prefix is the URL path under which assets are served.
const Prefix = "/static/"

//go:embed css js vendor
var files embed.FS

type asset struct {
	name string // path inside files
	body []byte
	etag string
}

// catalogue maps each asset to its hashed URL and back. It is computed once
// from the embedded files, which cannot change while the process runs.
var catalogue = build()

type index struct {
	urls   map[string]string // "css/app.css" -> "/static/css/app.1a2b3c4d5e.css"
	byPath map[string]asset  // "css/app.1a2b3c4d5e.css" -> asset
}

func build() index {
	idx := index{urls: map[string]string{}, byPath: map[string]asset{}}
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		h := hex.EncodeToString(sum[:])[:10]
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + h + ext
		idx.urls[p] = Prefix + hashed
		idx.byPath[hashed] = asset{name: p, body: body, etag: `"` + h + `"`}
		return nil
	})
	if err != nil {
		panic("static: reading embedded assets: " + err.Error())
	}
	return idx
}

// URL returns the content-hashed URL of an embedded asset such as
// "css/app.css". It panics on an unknown name: that is a programming error
// that every page render in the tests would catch.
func URL(name string) string {
	u, ok := catalogue.urls[name]
	if !ok {
		panic("static: no asset " + name)
	}
	return u
}

// Handler serves the hashed asset URLs with long cache lifetimes. Unhashed or
// stale names get 404 so that a cached page never silently mixes versions.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := catalogue.byPath[strings.TrimPrefix(r.URL.Path, Prefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		ct := mime.TypeByExtension(path.Ext(a.name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		w.Header().Set("Content-Type", ct)
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("ETag", a.etag)
		if r.Header.Get("If-None-Match") == a.etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.Method == http.MethodHead {
			return
		}
		_, _ = w.Write(a.body)
	})
}
