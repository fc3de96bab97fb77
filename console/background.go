package console

import (
	"context"
	"sync"
)

// background is a goroutine the console runs until stop.
type background struct {
	cancel context.CancelFunc
	done   sync.WaitGroup
}

// goBackground runs run in its own goroutine until stop ends its context.
func goBackground(run func(ctx context.Context)) *background {
	ctx, cancel := context.WithCancel(context.Background())
	b := &background{cancel: cancel}
	b.done.Add(1)
	go func() {
		defer b.done.Done()
		run(ctx)
	}()
	return b
}

// stop ends the goroutine and waits for it to return.
func (b *background) stop() {
	b.cancel()
	b.done.Wait()
}
