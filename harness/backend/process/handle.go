package process

import (
	"context"
	"errors"

	"github.com/zonemesh/zonemesh/harness/proc"
)

// handle adapts a supervised process to backend.Handle.
type handle struct{ p *proc.Process }

func (h handle) Name() string                      { return h.p.Name() }
func (h handle) Kill() error                       { return h.p.Kill() }
func (h handle) Pause() error                      { return h.p.Pause() }
func (h handle) Resume() error                     { return h.p.Resume() }
func (h handle) Restart(ctx context.Context) error { return h.p.Restart(ctx) }
func (h handle) Stop(ctx context.Context) error    { return h.p.Stop(ctx) }
func (h handle) LogPath() string                   { return h.p.LogPath() }

// pair is a service instance: the app and its sidecar, handled together (like a pod).
type pair struct{ app, dp handle }

func (p pair) Name() string { return p.dp.Name() }
func (p pair) Kill() error  { return errors.Join(p.dp.Kill(), p.app.Kill()) }
func (p pair) Pause() error { return errors.Join(p.dp.Pause(), p.app.Pause()) }
func (p pair) Resume() error {
	return errors.Join(p.app.Resume(), p.dp.Resume())
}
func (p pair) Restart(ctx context.Context) error {
	if err := p.app.Restart(ctx); err != nil {
		return err
	}
	return p.dp.Restart(ctx)
}
func (p pair) Stop(ctx context.Context) error { return errors.Join(p.dp.Stop(ctx), p.app.Stop(ctx)) }
func (p pair) LogPath() string                { return p.dp.LogPath() }
