// Package directory keeps an index of the tenant's people (who they are and
// what state their account is in) in the console's state store, kept in
// sync with OneLogin, so that search and the status views cost no OneLogin
// call. It never holds a secret, and it is never the basis for an action:
// a person's page and every action still read OneLogin live, then hand
// what they read to Refresh so the index is current at once.
//
// Three parts:
//
//   - Store keeps the rows and the sync's state and lease (sqlitestore for
//     one node, pgstore shared by replicas; directorytest has an in-memory
//     store and the conformance suite each store passes).
//
//   - Syncer fills and follows the index: a first full listing paced to the
//     quota, then every period what OneLogin lists as changed, deletions
//     from events, and a full listing again every reconcile period. With a
//     shared store one replica syncs at a time, under a lease.
//
//   - Index answers: each replica mirrors the rows in memory (caught up by
//     change sequence, one indexed query) and searches them with Engine,
//     which is plain Go over the rows.
//
//     ix := directory.NewIndex(store, directory.IndexOptions{})
//     sy := directory.NewSyncer(store, c, ix, directory.SyncOptions{Quota: c.RateLimit})
//     go sy.Run(ctx)
//     res, err := ix.Search(ctx, directory.Query{Text: "muller jose"})
//     if !res.Complete { ... } // the first listing has not finished: ask the API
//     u, err := c.GetUser(ctx, id) // a person page reads OneLogin live ...
//     ix.Refresh(ctx, *u)           // ... and the index takes what it read
//
// The package must never call an action on OneLogin, nor keep passwords,
// tokens or anything else secret.
package directory
