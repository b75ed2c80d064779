package mesh

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/zonemesh/zonemesh/controlplane/api"
	"github.com/zonemesh/zonemesh/controlplane/auth"
	"github.com/zonemesh/zonemesh/controlplane/resource"
	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/backend/process"
	"github.com/zonemesh/zonemesh/scenarios"
)

const (
	defaultWaitTimeout = 30 * time.Second
	pollInterval       = 50 * time.Millisecond
)

// Wait waits for a scenario wait condition.
func (e *Env) Wait(ctx context.Context, w *scenarios.Wait) error {
	if w.For == scenarios.WaitDuration {
		select {
		case <-time.After(w.Duration.D()):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	timeout := w.Timeout.D()
	if timeout <= 0 {
		timeout = defaultWaitTimeout
	}
	var cond func(context.Context) error
	switch w.For {
	case scenarios.WaitConverged:
		cond = e.Converged
	case scenarios.WaitZonesOnline:
		cond = func(ctx context.Context) error { return e.ZonesOnline(ctx, true, e.zoneNames()...) }
	case scenarios.WaitZoneOffline:
		cond = func(ctx context.Context) error { return e.ZonesOnline(ctx, false, w.Zone) }
	default:
		return fmt.Errorf("unknown wait condition %q", w.For)
	}
	start := time.Now()
	err := poll(ctx, timeout, cond)
	if err != nil {
		return fmt.Errorf("%s not reached within %v: %w", w.For, timeout, err)
	}
	e.progress("%s after %v", w.For, time.Since(start).Round(time.Millisecond))
	return nil
}

func poll(ctx context.Context, timeout time.Duration, cond func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		err := cond(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pollInterval):
		}
	}
}

func (e *Env) zoneNames() []string {
	var n []string
	for _, z := range e.Plan.Zones {
		n = append(n, z.Name)
	}
	return n
}

func (e *Env) ZonesOnline(ctx context.Context, want bool, zones ...string) error {
	st, err := e.Client.Zones(ctx)
	if err != nil {
		return err
	}
	on := map[string]bool{}
	for _, s := range st {
		on[s.Name] = s.Online
	}
	for _, z := range zones {
		if on[z] != want {
			return fmt.Errorf("zone %s online=%v", z, on[z])
		}
	}
	return nil
}

// converged holds when every zone is online, has global's current policies at their
// current versions, and every proxy of every zone has ACKed the last config it was sent.
func (e *Env) Converged(ctx context.Context) error {
	if err := e.ZonesOnline(ctx, true, e.zoneNames()...); err != nil {
		return err
	}
	want, err := versions(ctx, e.Client)
	if err != nil {
		return err
	}
	for _, z := range e.zones {
		have, err := versions(ctx, z.Client)
		if err != nil {
			return fmt.Errorf("zone %s: %w", z.Plan.Name, err)
		}
		for k, v := range want {
			if have[k] != v {
				return fmt.Errorf("zone %s: %s at version %d, global has %d", z.Plan.Name, k, have[k], v)
			}
		}
		for k := range have {
			if _, ok := want[k]; !ok {
				return fmt.Errorf("zone %s: %s deleted at global but still present", z.Plan.Name, k)
			}
		}
		ps, err := Proxies(ctx, z.Info.APIURL)
		if err != nil {
			return fmt.Errorf("zone %s: %w", z.Plan.Name, err)
		}
		expected := len(z.Instances) + len(z.Ingresses) + z.Plan.FakeProxies
		if len(ps) < expected {
			return fmt.Errorf("zone %s: %d of %d proxies connected", z.Plan.Name, len(ps), expected)
		}
		for _, p := range ps {
			for t, ts := range p.Types {
				if ts.Sent != "" && ts.Acked != ts.Sent {
					return fmt.Errorf("zone %s: proxy %s has not ACKed %s %s", z.Plan.Name, p.ID, t, ts.Sent)
				}
			}
		}
	}
	return nil
}

// versions lists every policy and mesh of a control plane: key → version.
func versions(ctx context.Context, c *api.Client) (map[string]uint64, error) {
	out := map[string]uint64{}
	for _, k := range resource.Kinds() {
		info, _ := resource.Info(k)
		if !info.Policy && k != resource.KindMesh {
			continue
		}
		rs, err := c.List(ctx, k, "")
		if err != nil {
			return nil, err
		}
		for _, res := range rs {
			out[res.Key().String()] = res.Version
		}
	}
	return out, nil
}

// ProxyStatus is the part of a zone's /api/v1/proxies answer the harness reads.
type ProxyStatus struct {
	ID      string                     `json:"id"`
	Name    string                     `json:"name"`
	Version string                     `json:"version"`
	Types   map[string]ProxyTypeStatus `json:"types"`
}

type ProxyTypeStatus struct {
	Sent    string    `json:"sent"`
	Acked   string    `json:"acked"`
	AckedAt time.Time `json:"ackedAt"`
	History []AckedAt `json:"history"`
}

type AckedAt struct {
	Version string    `json:"version"`
	At      time.Time `json:"at"`
}

// HTTP is the client the harness talks to components with.
var HTTP = &http.Client{Timeout: 10 * time.Second}

// Proxies reads a zone's proxy statuses.
func Proxies(ctx context.Context, apiURL string) ([]ProxyStatus, error) {
	var ps []ProxyStatus
	return ps, GetJSON(ctx, apiURL+"/api/v1/proxies", &ps)
}

// GetJSON decodes a GET's JSON body into out.
func GetJSON(ctx context.Context, url string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := HTTP.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

// Scale starts or stops replicas of a service in a zone.
func (e *Env) Scale(ctx context.Context, s *scenarios.ScaleStep) error {
	z := e.zones[s.Zone]
	if z == nil {
		return fmt.Errorf("unknown zone %q", s.Zone)
	}
	var svc *scenarios.Service
	if zs := e.sc.Zone(s.Zone); zs != nil {
		svc = zs.Service(s.Service)
	}
	if svc == nil {
		return fmt.Errorf("zone %s has no service %s", s.Zone, s.Service)
	}
	var running []*Instance
	for _, in := range z.Plan.Instances {
		if i := z.Instances[in.Name]; i != nil && in.Service == s.Service {
			running = append(running, i)
		}
	}
	for len(running) > s.Replicas {
		last := running[len(running)-1]
		if err := last.Info.Stop(ctx); err != nil {
			return err
		}
		delete(z.Instances, last.Spec.Name)
		running = running[:len(running)-1]
	}
	if len(running) < s.Replicas {
		signer, err := auth.LoadSigner(z.Info.DataplaneTokenKeyFile, time.Now)
		if err != nil {
			return err
		}
		for rep := len(running); rep < s.Replicas; rep++ {
			spec, err := z.Plan.AddInstance(e.addr, *svc, rep)
			if err != nil {
				return err
			}
			tok, err := signer.IssueDataplaneToken(e.Plan.Mesh, process.DataplaneName(spec), auth.ProxySidecar, tokenTTL)
			if err != nil {
				return err
			}
			info, err := e.be.StartInstance(ctx, spec, backend.InstanceSpec{Zone: z.Info, Mesh: e.Plan.Mesh, Token: tok})
			if err != nil {
				return err
			}
			z.Instances[spec.Name] = &Instance{Spec: spec, Info: info}
		}
	}
	return nil
}
