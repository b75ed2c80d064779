package mesh

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/zonemesh/zonemesh/harness/backend"
	"github.com/zonemesh/zonemesh/harness/fault"
	"github.com/zonemesh/zonemesh/scenarios"
)

// Caller is the instance a zone's calls are sent from: its first instance in plan order.
func (z *Zone) Caller() *Instance {
	for _, in := range z.Plan.Instances {
		if i := z.Instances[in.Name]; i != nil {
			return i
		}
	}
	return nil
}

// Answer is what a call through the mesh returned.
type Answer struct {
	Status int
	// Zone, Service, Version, Instance and Caller come from the echo's JSON answer.
	Zone     string `json:"zone"`
	Service  string `json:"service"`
	Version  string `json:"version"`
	Instance string `json:"instance"`
	Caller   string `json:"caller"`
	Body     string `json:"-"`
}

// Call sends one HTTP request from zone's caller instance, through its sidecar, to service.
func (e *Env) Call(ctx context.Context, zone, service, path string, hdr http.Header) (*Answer, error) {
	z := e.Zone(zone)
	if z == nil {
		return nil, fmt.Errorf("unknown zone %q", zone)
	}
	c := z.Caller()
	if c == nil {
		return nil, fmt.Errorf("zone %s has no instance to call from", zone)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Info.OutboundURL+path, nil)
	if err != nil {
		return nil, err
	}
	req.Host = service + ".mesh"
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := HTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	a := &Answer{Status: resp.StatusCode, Body: string(b)}
	if resp.StatusCode == http.StatusOK {
		_ = json.Unmarshal(b, a)
	}
	return a, nil
}

// Handles resolves a component reference to the handles it names and a label for it.
func (e *Env) Handles(c *scenarios.ComponentRef) ([]backend.Handle, string, error) {
	if c.Component == scenarios.ComponentGlobal {
		return []backend.Handle{e.Global.Handle}, "global", nil
	}
	z := e.Zone(c.Zone)
	if z == nil {
		return nil, "", fmt.Errorf("unknown zone %q", c.Zone)
	}
	switch c.Component {
	case scenarios.ComponentCP:
		return []backend.Handle{z.Info.Handle}, c.Zone + "/cp", nil
	case scenarios.ComponentIngress:
		n := 0
		if c.Instance != nil {
			n = *c.Instance
		}
		if n >= len(z.Ingresses) {
			return nil, "", fmt.Errorf("zone %s has no ingress %d", c.Zone, n)
		}
		return []backend.Handle{z.Ingresses[n]}, fmt.Sprintf("%s/ingress-%d", c.Zone, n), nil
	case scenarios.ComponentService:
		var hs []backend.Handle
		for _, in := range z.Plan.Instances {
			i := z.Instances[in.Name]
			if i == nil || in.Service != c.Service {
				continue
			}
			if c.Instance != nil && in.Replica != *c.Instance {
				continue
			}
			hs = append(hs, i.Info.Handle)
		}
		if len(hs) == 0 {
			return nil, "", fmt.Errorf("zone %s has no instance of %s", c.Zone, c.Service)
		}
		label := fmt.Sprintf("%s/%s", c.Zone, c.Service)
		if c.Instance != nil {
			label += fmt.Sprintf("-%d", *c.Instance)
		}
		return hs, label, nil
	}
	return nil, "", fmt.Errorf("unknown component %q", c.Component)
}

// Do kills, pauses, resumes or restarts the components a reference names; it returns their label.
func (e *Env) Do(ctx context.Context, verb string, c *scenarios.ComponentRef) (string, error) {
	hs, label, err := e.Handles(c)
	if err != nil {
		return "", err
	}
	for _, h := range hs {
		var err error
		switch verb {
		case scenarios.ActionKill:
			err = h.Kill()
		case scenarios.ActionPause:
			err = h.Pause()
		case scenarios.ActionResume:
			err = h.Resume()
		case scenarios.ActionRestart:
			err = h.Restart(ctx)
		default:
			err = fmt.Errorf("unknown action %q", verb)
		}
		if err != nil {
			return label, fmt.Errorf("%s %s: %w", verb, label, err)
		}
	}
	return label, nil
}

// Injected is a fault on the links it was injected on.
type Injected struct {
	Target string // e.g. "zone-a → zone-b", "zone-a ↔ zone-b"
	ids    []string
}

// Inject puts a scenario fault on the link it names. A two-way partition between two zones
// cuts both directed pairs.
func (e *Env) Inject(f *scenarios.Fault) (*Injected, error) {
	ft, err := fault.FromScenario(f)
	if err != nil {
		return nil, err
	}
	name := f.Link.Name()
	links := e.linkGroups[name]
	if len(links) == 0 {
		return nil, fmt.Errorf("fault %s: no link %s (is there an ingress in %s?)", f.Name, name, f.Link.To)
	}
	in := &Injected{Target: strings.ReplaceAll(name, "→", " → ")}
	targets := links
	if f.Type == scenarios.FaultPartition && f.IsTwoWay() && f.Link.To != scenarios.ComponentGlobal {
		targets = append(append([]string(nil), links...), e.linkGroups[f.Link.To+"→"+f.Link.From]...)
		in.Target = f.Link.From + " ↔ " + f.Link.To
	}
	for _, l := range targets {
		id, err := e.links.Inject(l, ft)
		if err != nil {
			_ = e.Heal(in)
			return nil, fmt.Errorf("fault %s on %s: %w", f.Name, l, err)
		}
		in.ids = append(in.ids, id)
	}
	return in, nil
}

// Heal removes an injected fault.
func (e *Env) Heal(in *Injected) error {
	var errs []error
	for _, id := range in.ids {
		errs = append(errs, e.links.Heal(id))
	}
	return errors.Join(errs...)
}
