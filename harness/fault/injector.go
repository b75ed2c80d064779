package fault

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"

	toxiproxy "github.com/Shopify/toxiproxy/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// ErrClosed is returned by an Injector after Close.
var ErrClosed = errors.New("fault: injector closed")

// Injector owns the links of one run and the faults active on them.
type Injector struct {
	mu     sync.Mutex
	srv    *toxiproxy.ApiServer
	links  map[string]*toxiproxy.Proxy
	active map[string]*injected
	seq    int
	closed bool
}

type injected struct {
	link string
	typ  string
	heal func() error
}

// NewInjector returns an Injector with no links. The toxiproxy server runs in-process; its REST
// API is never started.
func NewInjector() *Injector {
	srv := toxiproxy.NewServer(toxiproxy.NewMetricsContainer(prometheus.NewRegistry()), zerolog.Nop())
	return &Injector{srv: srv, links: map[string]*toxiproxy.Proxy{}, active: map[string]*injected{}}
}

// AddLink starts a link that listens on listen (host:port; port 0 picks one) and forwards to
// upstream. It returns the address the link really listens on.
func (i *Injector) AddLink(name, listen, upstream string) (string, error) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed {
		return "", ErrClosed
	}
	if _, dup := i.links[name]; dup {
		return "", fmt.Errorf("fault: link %q already exists", name)
	}
	p := toxiproxy.NewProxy(i.srv, name, listen, upstream)
	if err := i.srv.Collection.Add(p, true); err != nil {
		return "", fmt.Errorf("fault: link %s on %s: %w", name, listen, err)
	}
	i.links[name] = p
	return p.Listen, nil
}

// Links lists the link names.
func (i *Injector) Links() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]string, 0, len(i.links))
	for n := range i.links {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Addr is the listen address of a link.
func (i *Injector) Addr(link string) (string, bool) {
	i.mu.Lock()
	defer i.mu.Unlock()
	p, ok := i.links[link]
	if !ok {
		return "", false
	}
	return p.Listen, true
}

// Inject applies f to a link and returns an id for Heal.
func (i *Injector) Inject(link string, f Fault) (string, error) {
	i.mu.Lock()
	if i.closed {
		i.mu.Unlock()
		return "", ErrClosed
	}
	p, ok := i.links[link]
	if !ok {
		i.mu.Unlock()
		return "", fmt.Errorf("fault: no link %q", link)
	}
	i.seq++
	id := f.Type() + "-" + strconv.Itoa(i.seq)
	i.mu.Unlock()

	// Toxics are added outside i.mu: toxiproxy waits for every connection's link to take them.
	heal, err := f.Inject(&linkToxics{p: p, prefix: id})
	if err != nil {
		return "", fmt.Errorf("fault: inject %s on %s: %w", f.Type(), link, err)
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.closed { // closed while injecting: undo at once
		return "", errors.Join(ErrClosed, heal())
	}
	i.active[id] = &injected{link: link, typ: f.Type(), heal: heal}
	return id, nil
}

// Heal removes one fault.
func (i *Injector) Heal(id string) error {
	i.mu.Lock()
	a, ok := i.active[id]
	delete(i.active, id)
	i.mu.Unlock()
	if !ok {
		return fmt.Errorf("fault: no active fault %q", id)
	}
	if err := a.heal(); err != nil {
		return fmt.Errorf("fault: heal %s on %s: %w", id, a.link, err)
	}
	return nil
}

// Active lists the ids of the faults in force.
func (i *Injector) Active() []string {
	i.mu.Lock()
	defer i.mu.Unlock()
	out := make([]string, 0, len(i.active))
	for id := range i.active {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// HealAll removes every fault; links stay up.
func (i *Injector) HealAll() error {
	var errs []error
	for _, id := range i.Active() {
		if err := i.Heal(id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close heals every fault and stops every link, closing their connections. It is idempotent.
func (i *Injector) Close() error {
	i.mu.Lock()
	if i.closed {
		i.mu.Unlock()
		return nil
	}
	i.closed = true
	i.mu.Unlock()
	err := i.HealAll()
	if cerr := i.srv.Collection.Clear(); cerr != nil {
		err = errors.Join(err, fmt.Errorf("fault: stop links: %w", cerr))
	}
	return err
}

// linkToxics adds toxics to one toxiproxy proxy under names unique to one injected fault.
type linkToxics struct {
	p      *toxiproxy.Proxy
	prefix string
	n      int
}

func (l *linkToxics) Add(typ, stream string, attrs map[string]any) (string, error) {
	l.n++
	name := l.prefix + "-" + strconv.Itoa(l.n) + "-" + stream
	body, err := json.Marshal(map[string]any{
		"name": name, "type": typ, "stream": stream, "toxicity": 1.0, "attributes": attrs,
	})
	if err != nil {
		return "", err
	}
	if _, err := l.p.Toxics.AddToxicJson(bytes.NewReader(body)); err != nil {
		return "", fmt.Errorf("add %s toxic on %s: %w", typ, stream, err)
	}
	return name, nil
}

func (l *linkToxics) Remove(name string) error {
	// RemoveToxic logs through zerolog.Ctx(ctx), which needs a non-nil context.
	if err := l.p.Toxics.RemoveToxic(context.Background(), name); err != nil {
		return fmt.Errorf("remove toxic %s: %w", name, err)
	}
	return nil
}
