package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	tc "github.com/testcontainers/testcontainers-go"
)

// spec is one container to run from the zonemesh image.
type spec struct {
	component string   // "zone-a/cp"
	args      []string // after the /zonemesh entrypoint
	nets      []string // network names; the first gets ip
	ip        netip.Addr
	joinNS    *ctr // share this container's network namespace instead of joining networks
	ready     probe
	host      func(*container.HostConfig) // optional last change to the host config (dns.go)
}

// probe is a readiness check run from the host.
type probe struct {
	http string // URL answering 2xx
	file string // path (under the shared run folder) that must exist
}

func (p probe) once(ctx context.Context) error {
	if p.file != "" {
		if _, err := os.Stat(p.file); err != nil {
			return err
		}
	}
	if p.http != "" {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.http, nil)
		if err != nil {
			return err
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("GET %s: %s", p.http, resp.Status)
		}
	}
	return nil
}

var probeClient = &http.Client{Transport: &http.Transport{DisableKeepAlives: true, Proxy: nil}, Timeout: 2 * time.Second}

// ctr is one container of the run; it satisfies backend.Handle.
type ctr struct {
	b     *Backend
	name  string // component name
	id    string
	log   string
	ready probe
	tc    tc.Container // for the first start; later actions use the engine API directly

	mu      sync.Mutex
	removed bool
}

// run creates and starts a container and waits until its probe passes.
func (b *Backend) run(ctx context.Context, s spec) (*ctr, error) {
	c, err := b.create(ctx, s)
	if err != nil {
		return nil, err
	}
	if err := c.start(ctx); err != nil {
		return nil, err
	}
	if err := c.waitReady(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// create creates a container without starting it; the backend removes it on Close.
func (b *Backend) create(ctx context.Context, s spec) (*ctr, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, errors.New("docker: backend closed")
	}
	b.creating.Add(1)
	b.mu.Unlock()
	defer b.creating.Done()
	uid, gid := os.Getuid(), os.Getgid()
	dir := b.opts.Dir
	req := tc.ContainerRequest{
		Image: b.image, Cmd: s.args, Name: b.objectName(s.component), Labels: b.labels(s.component),
		ConfigModifier: func(c *container.Config) {
			// Files written to the shared folder stay readable by the harness.
			c.User = fmt.Sprintf("%d:%d", uid, gid)
		},
		HostConfigModifier: func(h *container.HostConfig) {
			h.Binds = []string{dir + ":" + dir}
			if s.joinNS != nil {
				h.NetworkMode = container.NetworkMode("container:" + s.joinNS.id)
			}
			if s.host != nil {
				s.host(h)
			}
		},
	}
	if s.joinNS == nil {
		req.Networks = s.nets
		if s.ip.IsValid() {
			first := s.nets[0]
			req.EndpointSettingsModifier = func(m map[string]*network.EndpointSettings) {
				if es := m[first]; es != nil {
					es.IPAMConfig = &network.EndpointIPAMConfig{IPv4Address: s.ip}
				}
			}
		}
	}
	gc, err := tc.GenericContainer(ctx, tc.GenericContainerRequest{ContainerRequest: req, Logger: b.tclog})
	var c *ctr
	if gc != nil {
		c = &ctr{b: b, name: s.component, id: gc.GetContainerID(), ready: s.ready, tc: gc,
			log: filepath.Join(b.logs, strings.ReplaceAll(s.component, "/", ".")+".log")}
		b.mu.Lock()
		b.ctrs = append(b.ctrs, c)
		b.mu.Unlock()
	}
	if err != nil {
		return nil, fmt.Errorf("docker: create %s: %w", s.component, err)
	}
	return c, nil
}

// start starts a created container (without waiting for its probe).
func (c *ctr) start(ctx context.Context) error {
	if err := c.tc.Start(ctx); err != nil {
		return fmt.Errorf("docker: start %s: %w", c.name, err)
	}
	return nil
}

// waitReady polls the probe; every half second it also asks the engine whether the container
// still runs, so a crash is reported with its last log lines instead of a timeout.
func (c *ctr) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, c.b.opts.ReadyTimeout)
	defer cancel()
	t := time.NewTicker(25 * time.Millisecond)
	defer t.Stop()
	var last error
	for n := 0; ; n++ {
		if last = c.ready.once(ctx); last == nil {
			return nil
		}
		if n%20 == 19 {
			st, err := c.b.cli.ContainerInspect(ctx, c.id, client.ContainerInspectOptions{})
			if err == nil && st.Container.State != nil && !st.Container.State.Running {
				return fmt.Errorf("docker: %s exited (code %d) before ready; last output:\n%s", c.name, st.Container.State.ExitCode, c.tail(ctx, 20))
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("docker: %s not ready: %w (last probe: %v); last output:\n%s", c.name, ctx.Err(), last, c.tail(context.WithoutCancel(ctx), 20))
		case <-t.C:
		}
	}
}

// tail is the container's last n log lines.
func (c *ctr) tail(ctx context.Context, n int) string {
	rc, err := c.b.cli.ContainerLogs(ctx, c.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: fmt.Sprint(n)})
	if err != nil {
		return err.Error()
	}
	defer rc.Close()
	var buf bytes.Buffer
	_, _ = stdcopy.StdCopy(&buf, &buf, rc)
	return buf.String()
}

// saveLog writes the container's whole output (every start of it) to its log file.
func (c *ctr) saveLog(ctx context.Context) error {
	rc, err := c.b.cli.ContainerLogs(ctx, c.id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(c.log)
	if err != nil {
		return err
	}
	_, err = stdcopy.StdCopy(f, f, rc)
	return errors.Join(err, f.Close())
}

// remove saves the log and removes the container; it is idempotent.
func (c *ctr) remove(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.removed {
		return nil
	}
	c.removed = true
	logErr := c.saveLog(ctx)
	_, err := c.b.cli.ContainerRemove(ctx, c.id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil {
		return fmt.Errorf("docker: remove %s: %w", c.name, err)
	}
	if logErr != nil {
		return fmt.Errorf("docker: save log of %s: %w", c.name, logErr)
	}
	return nil
}

func (c *ctr) Name() string    { return c.name }
func (c *ctr) LogPath() string { return c.log }

// Kill sends SIGKILL to the container's init process, which ends the container.
func (c *ctr) Kill() error {
	_, err := c.b.cli.ContainerKill(context.Background(), c.id, client.ContainerKillOptions{Signal: "SIGKILL"})
	return wrap("kill", c.name, err)
}

// Pause freezes the container (the cgroup freezer: the docker equivalent of SIGSTOP).
func (c *ctr) Pause() error {
	_, err := c.b.cli.ContainerPause(context.Background(), c.id, client.ContainerPauseOptions{})
	return wrap("pause", c.name, err)
}

// Resume thaws a paused container.
func (c *ctr) Resume() error {
	_, err := c.b.cli.ContainerUnpause(context.Background(), c.id, client.ContainerUnpauseOptions{})
	return wrap("resume", c.name, err)
}

// Restart stops (or finds stopped) and starts the container again, then waits until ready.
func (c *ctr) Restart(ctx context.Context) error {
	// A paused container cannot be stopped; unpausing a running one fails harmlessly.
	_, _ = c.b.cli.ContainerUnpause(ctx, c.id, client.ContainerUnpauseOptions{})
	grace := 2
	if _, err := c.b.cli.ContainerRestart(ctx, c.id, client.ContainerRestartOptions{Timeout: &grace}); err != nil {
		return wrap("restart", c.name, err)
	}
	return c.waitReady(ctx)
}

// Stop removes the container: a stopped component is never started again.
func (c *ctr) Stop(ctx context.Context) error { return c.remove(ctx) }

func wrap(verb, name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("docker: %s %s: %w", verb, name, err)
}

// pod is a service instance: the sidecar owns the network namespace, the app joins it.
type pod struct{ dp, app *ctr }

func (p pod) Name() string    { return p.dp.Name() }
func (p pod) LogPath() string { return p.dp.LogPath() }
func (p pod) Kill() error     { return errors.Join(p.dp.Kill(), p.app.Kill()) }
func (p pod) Pause() error    { return errors.Join(p.dp.Pause(), p.app.Pause()) }
func (p pod) Resume() error   { return errors.Join(p.app.Resume(), p.dp.Resume()) }

// Restart starts the namespace owner first: the app joins the namespace the sidecar has now.
func (p pod) Restart(ctx context.Context) error {
	if err := p.dp.Restart(ctx); err != nil {
		return err
	}
	return p.app.Restart(ctx)
}
func (p pod) Stop(ctx context.Context) error { return errors.Join(p.app.Stop(ctx), p.dp.Stop(ctx)) }
