package proxy

import (
	"net/http"
	"strings"

	"github.com/zonemesh/zonemesh/dataplane/config"
)

// routeTable indexes a route config's virtual hosts by domain, in Envoy's order: exact, then
// suffix wildcards (longest first), then prefix wildcards (longest first), then "*".
type routeTable struct {
	exact    map[string]*config.VirtualHost
	suffix   []wild // "*.foo"
	prefix   []wild // "foo*"
	fallback *config.VirtualHost
}

type wild struct {
	s  string
	vh *config.VirtualHost
}

func newRouteTable(rc *config.RouteConfig) *routeTable {
	if rc == nil {
		return nil
	}
	t := &routeTable{exact: map[string]*config.VirtualHost{}}
	for _, vh := range rc.VirtualHosts {
		for _, d := range vh.Domains {
			d = strings.ToLower(d)
			switch {
			case d == "*":
				t.fallback = vh
			case strings.HasPrefix(d, "*"):
				t.suffix = append(t.suffix, wild{d[1:], vh})
			case strings.HasSuffix(d, "*"):
				t.prefix = append(t.prefix, wild{d[:len(d)-1], vh})
			default:
				t.exact[d] = vh
			}
		}
	}
	longestFirst := func(w []wild) {
		for i := 1; i < len(w); i++ {
			for j := i; j > 0 && len(w[j].s) > len(w[j-1].s); j-- {
				w[j], w[j-1] = w[j-1], w[j]
			}
		}
	}
	longestFirst(t.suffix)
	longestFirst(t.prefix)
	return t
}

func (t *routeTable) host(h string) *config.VirtualHost {
	if t == nil {
		return nil
	}
	if vh := t.exact[h]; vh != nil {
		return vh
	}
	lower := strings.ToLower(h)
	if vh := t.exact[lower]; vh != nil {
		return vh
	}
	for _, w := range t.suffix {
		if strings.HasSuffix(lower, w.s) && len(lower) > len(w.s) {
			return w.vh
		}
	}
	for _, w := range t.prefix {
		if strings.HasPrefix(lower, w.s) && len(lower) > len(w.s) {
			return w.vh
		}
	}
	return t.fallback
}

// match returns the first route of vh matching r.
func match(vh *config.VirtualHost, r *http.Request) *config.Route {
	path := r.URL.Path
	for _, rt := range vh.Routes {
		if rt.Path != "" {
			if path != rt.Path {
				continue
			}
		} else if !strings.HasPrefix(path, rt.Prefix) {
			continue
		}
		if headersMatch(rt.Headers, r.Header) {
			return rt
		}
	}
	return nil
}

func headersMatch(ms []config.HeaderMatch, h http.Header) bool {
	for i := range ms {
		m := &ms[i]
		vs, present := h[m.Name]
		ok := false
		switch {
		case m.Present:
			ok = present
		case m.Prefix != "":
			ok = present && strings.HasPrefix(vs[0], m.Prefix)
		default:
			ok = present && vs[0] == m.Exact
		}
		if ok == m.Invert {
			return false
		}
	}
	return true
}

// clusterFor picks the route's cluster, drawing a weighted branch when it splits.
func (p *Proxy) clusterFor(rt *config.Route) string {
	if rt.Cluster != "" {
		return rt.Cluster
	}
	n := p.rand(rt.TotalWeight)
	for _, w := range rt.Weighted {
		if n < w.Weight {
			return w.Name
		}
		n -= w.Weight
	}
	return rt.Weighted[len(rt.Weighted)-1].Name
}
