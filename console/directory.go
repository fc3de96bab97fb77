package console

import (
	"context"
	"log/slog"
	"sync"

	"onelogin-helpdesk/client"
	"onelogin-helpdesk/config"
	"onelogin-helpdesk/directory"
)

// directorySync is the index of the tenant's people and the sync that
// fills it, running until Close. Every replica runs one: the sync lease in
// the state store lets one list at a time, and every replica's index reads.
type directorySync struct {
	index  *directory.Index
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// startDirectory builds the index over the state store and starts its
// sync against c, when HELPDESK_DIRECTORY_INDEX is on; nil otherwise.
func startDirectory(cfg config.Directory, st directory.Store, c *client.Client, logger *slog.Logger) *directorySync {
	if !cfg.Index {
		return nil
	}
	ix := directory.NewIndex(st, directory.IndexOptions{})
	sy := directory.NewSyncer(st, c, ix, directory.SyncOptions{
		Period: cfg.Sync, Reconcile: cfg.Reconcile, Quota: c.RateLimit, Logger: logger,
	})
	ctx, cancel := context.WithCancel(context.Background())
	d := &directorySync{index: ix, cancel: cancel}
	d.done.Add(1)
	go func() {
		defer d.done.Done()
		sy.Run(ctx)
	}()
	return d
}

// Index is the index, nil when there is none.
func (d *directorySync) Index() *directory.Index {
	if d == nil {
		return nil
	}
	return d.index
}

// stop ends the sync and waits for it to give its lease up.
func (d *directorySync) stop() {
	if d == nil {
		return
	}
	d.cancel()
	d.done.Wait()
}
