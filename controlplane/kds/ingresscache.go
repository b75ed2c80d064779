package kds

import (
	"context"
	"errors"
	"sync"

	"github.com/envoyproxy/go-control-plane/pkg/cache/types"
	cachev3 "github.com/envoyproxy/go-control-plane/pkg/cache/v3"
)

// ingressCache serves ZoneIngress: a zone must get every other zone's ingresses but never its
// own back. A LinearCache is shared by all its watchers, so this keeps one LinearCache per
// zone (created when the zone first watches), each holding the ingresses whose origin is not
// that zone, and routes a watch by the node id, which the server callbacks overwrite with the
// authenticated zone. Per-zone caches cost one copy of the (small) ingress set per zone and
// keep wildcard subscriptions, so a zone never has to learn the other zones' names.
type ingressCache struct {
	typeURL string

	mu     sync.Mutex
	all    map[string]ingressEntry
	byZone map[string]*cachev3.LinearCache
}

type ingressEntry struct {
	origin string
	res    types.Resource
}

var _ cachev3.Cache = (*ingressCache)(nil)

func newIngressCache(typeURL string) *ingressCache {
	return &ingressCache{typeURL: typeURL, all: map[string]ingressEntry{}, byZone: map[string]*cachev3.LinearCache{}}
}

func (c *ingressCache) forZone(zone string) *cachev3.LinearCache {
	c.mu.Lock()
	defer c.mu.Unlock()
	if lc, ok := c.byZone[zone]; ok {
		return lc
	}
	init := map[string]types.Resource{}
	for name, e := range c.all {
		if e.origin != zone {
			init[name] = e.res
		}
	}
	lc := cachev3.NewLinearCache(c.typeURL, cachev3.WithInitialResources(init), cachev3.WithLogger(nopLog{}))
	c.byZone[zone] = lc
	return lc
}

// apply records puts (name → entry) and deletes and updates every zone's cache with what
// concerns it, one UpdateResources call per zone.
func (c *ingressCache) apply(puts map[string]ingressEntry, dels []string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, e := range puts {
		c.all[name] = e
	}
	for _, name := range dels {
		delete(c.all, name)
	}
	var errs []error
	for zone, lc := range c.byZone {
		up := map[string]types.Resource{}
		var del []string
		for name, e := range puts {
			if e.origin != zone {
				up[name] = e.res
			} else {
				// A resource cannot change origin in global's store, but be safe: a zone's
				// own ingress must not linger in its view.
				del = append(del, name)
			}
		}
		del = append(del, dels...)
		if err := lc.UpdateResources(up, del); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (c *ingressCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.all)
}

func (c *ingressCache) CreateWatch(*cachev3.Request, cachev3.Subscription, chan cachev3.Response) (func(), error) {
	return nil, errors.New("kds: state-of-the-world is not served; use delta")
}

func (c *ingressCache) CreateDeltaWatch(req *cachev3.DeltaRequest, sub cachev3.Subscription, ch chan cachev3.DeltaResponse) (func(), error) {
	zone := req.GetNode().GetId()
	if zone == "" {
		return nil, errors.New("kds: ZoneIngress watch without a zone")
	}
	return c.forZone(zone).CreateDeltaWatch(req, sub, ch)
}

func (c *ingressCache) Fetch(context.Context, *cachev3.Request) (cachev3.Response, error) {
	return nil, errors.New("kds: fetch is not served")
}

// nopLog silences go-control-plane's per-watch logging.
type nopLog struct{}

func (nopLog) Debugf(string, ...any) {}
func (nopLog) Infof(string, ...any)  {}
func (nopLog) Warnf(string, ...any)  {}
func (nopLog) Errorf(string, ...any) {}
