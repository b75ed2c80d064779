package config

import (
	"sort"
)

// Parts are the last accepted translations of each resource type.
type Parts struct {
	Listeners []*Listener
	Routes    map[string]*RouteConfig
	Clusters  map[string]*Cluster
	Endpoints map[string]*Assignment
	Secrets   *Secrets
}

// Assemble joins the parts into one Config. Cross-references that are not (yet) satisfied are
// not errors, as in Envoy: a route to an unknown cluster answers 503, a cluster whose CLA has not
// arrived has no endpoints. Clusters are copied so the parts stay untouched.
func Assemble(p Parts) *Config {
	c := &Config{Listeners: p.Listeners, Routes: p.Routes, Clusters: make(map[string]*Cluster, len(p.Clusters))}
	for n, cl := range p.Clusters {
		cp := *cl
		if cp.EDSName != "" {
			cp.Assignment = p.Endpoints[cp.EDSName]
		}
		c.Clusters[n] = &cp
	}
	if p.Secrets != nil {
		c.Certs, c.CAs = p.Secrets.Certs, p.Secrets.CAs
	}
	return c
}

// EDSNames returns the CLA names that clusters need, sorted: the EDS subscription.
func EDSNames(clusters map[string]*Cluster) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range clusters {
		if c.EDSName != "" && !seen[c.EDSName] {
			seen[c.EDSName] = true
			out = append(out, c.EDSName)
		}
	}
	sort.Strings(out)
	return out
}

// RDSNames returns the route configs that listeners reference over RDS, sorted.
func RDSNames(ls []*Listener) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range ls {
		if l.RouteName != "" && !seen[l.RouteName] {
			seen[l.RouteName] = true
			out = append(out, l.RouteName)
		}
	}
	sort.Strings(out)
	return out
}

// Route returns the route config a listener uses, or nil.
func (c *Config) Route(l *Listener) *RouteConfig {
	if l.InlineRoute != nil {
		return l.InlineRoute
	}
	return c.Routes[l.RouteName]
}

// Unwarmed lists the EDS clusters the parts' routes send traffic to whose endpoints have not
// arrived yet. A route config that names them would answer 503 until EDS catches up (the
// control plane sends RDS without waiting for the EDS request a new cluster triggers), so the
// ADS client holds such a route config back, as Envoy warms clusters before using them.
func Unwarmed(p Parts) []string {
	var out []string
	seen := map[string]bool{}
	need := func(name string) {
		c := p.Clusters[name]
		if c == nil || c.EDSName == "" || seen[name] {
			return
		}
		if _, ok := p.Endpoints[c.EDSName]; !ok {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, rc := range p.Routes {
		for _, vh := range rc.VirtualHosts {
			for _, r := range vh.Routes {
				need(r.Cluster)
				for _, w := range r.Weighted {
					need(w.Name)
				}
			}
		}
	}
	sort.Strings(out)
	return out
}
