package proc

import (
	"context"
	"errors"
	"sync"
)

// ErrGroupClosed is returned by Group.Start after Close.
var ErrGroupClosed = errors.New("proc: group closed")

// Group owns the processes of one run and stops them all on Close.
type Group struct {
	mu     sync.Mutex
	procs  []*Process
	closed bool
}

// Start starts a process owned by the group.
func (g *Group) Start(ctx context.Context, spec Spec) (*Process, error) {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil, ErrGroupClosed
	}
	g.mu.Unlock()
	p, err := Start(ctx, spec)
	if err != nil {
		return nil, err
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed { // closed while starting: do not leak it
		p.Kill()
		return nil, ErrGroupClosed
	}
	g.procs = append(g.procs, p)
	return p, nil
}

// Processes lists the group's processes in start order.
func (g *Group) Processes() []*Process {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*Process(nil), g.procs...)
}

// Close stops every process in parallel (SIGTERM, then SIGKILL after its grace period or when
// ctx ends) and waits for all of them. It is idempotent.
func (g *Group) Close(ctx context.Context) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	procs := g.procs
	g.mu.Unlock()
	errs := make([]error, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.Stop(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
