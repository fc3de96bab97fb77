// Package search is the console's search language for people: it reads
// what staff type in the search box and the filters beside it (Parse), plans
// the OneLogin users listings that answer it, runs them through a Source,
// merges and ranks what they return, pages through the results with opaque
// cursors, and reuses an answer for a few seconds (Searcher). The same plan
// also reads as a query of the directory index (Plan.Indexed), which
// answers it without any call once the index is complete, and names the
// filters only the index has (status, department, manager).
//
// It owns the rule of the box and its cost: a search settles at four
// listings or fewer, whatever its filters and page. It must never call a
// Source beyond that plan, never change an account (it only reads), and
// knows nothing of HTTP or pages: the caller turns its Query into a URL and
// its Result into rows.
package search
