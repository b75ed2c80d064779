package config

import (
	"fmt"
	"net/textproto"
	"strings"
	"time"

	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/types/known/anypb"
)

// DefaultTimeout is Envoy's route timeout when a route sets none.
const DefaultTimeout = 15 * time.Second

// TranslateRoutes translates RDS resources.
func TranslateRoutes(res []*anypb.Any) (map[string]*RouteConfig, error) {
	out := make(map[string]*RouteConfig, len(res))
	for i, a := range res {
		rc, err := unpack(a, fmt.Sprintf("route_configuration[%d]", i), &routev3.RouteConfiguration{})
		if err != nil {
			return nil, err
		}
		got, err := routeConfig(rc)
		if err != nil {
			return nil, fmt.Errorf("route_configuration %q: %w", rc.GetName(), err)
		}
		out[got.Name] = got
	}
	return out, nil
}

func routeConfig(rc *routev3.RouteConfiguration) (*RouteConfig, error) {
	if err := only(rc, "", "name", "virtual_hosts", "validate_clusters"); err != nil {
		return nil, err
	}
	out := &RouteConfig{Name: rc.GetName()}
	for i, vh := range rc.GetVirtualHosts() {
		p := fmt.Sprintf("virtual_hosts[%d]", i)
		if err := only(vh, p, "name", "domains", "routes"); err != nil {
			return nil, err
		}
		v := &VirtualHost{Name: vh.GetName(), Domains: vh.GetDomains()}
		for j, r := range vh.GetRoutes() {
			got, err := route(r, fmt.Sprintf("%s.routes[%d]", p, j))
			if err != nil {
				return nil, err
			}
			v.Routes = append(v.Routes, got)
		}
		out.VirtualHosts = append(out.VirtualHosts, v)
	}
	return out, nil
}

func route(r *routev3.Route, path string) (*Route, error) {
	if err := only(r, path, "name", "match", "route"); err != nil {
		return nil, err
	}
	out := &Route{}
	m := r.GetMatch()
	if err := only(m, path+".match", "prefix", "path", "headers"); err != nil {
		return nil, err
	}
	switch {
	case m.GetPath() != "":
		out.Path = m.GetPath()
	default:
		out.Prefix = m.GetPrefix()
	}
	for i, h := range m.GetHeaders() {
		hp := fmt.Sprintf("%s.match.headers[%d]", path, i)
		if err := only(h, hp, "name", "string_match", "present_match", "invert_match"); err != nil {
			return nil, err
		}
		hm := HeaderMatch{Name: textproto.CanonicalMIMEHeaderKey(h.GetName()), Invert: h.GetInvertMatch()}
		switch {
		case h.GetPresentMatch():
			hm.Present = true
		case h.GetStringMatch() != nil:
			sm := h.GetStringMatch()
			if err := only(sm, hp+".string_match", "exact", "prefix"); err != nil {
				return nil, err
			}
			if sm.GetPrefix() != "" {
				hm.Prefix = sm.GetPrefix()
			} else {
				hm.Exact = sm.GetExact()
			}
		default:
			return nil, fmt.Errorf("%s: needs string_match or present_match", hp)
		}
		out.Headers = append(out.Headers, hm)
	}
	a := r.GetRoute()
	if a == nil {
		return nil, fmt.Errorf("%s.route: required (only route actions are supported)", path)
	}
	ap := path + ".route"
	if err := only(a, ap, "cluster", "weighted_clusters", "timeout", "retry_policy"); err != nil {
		return nil, err
	}
	out.Timeout = dur(a.GetTimeout(), DefaultTimeout)
	switch {
	case a.GetCluster() != "":
		out.Cluster = a.GetCluster()
	case a.GetWeightedClusters() != nil:
		wc := a.GetWeightedClusters()
		if err := only(wc, ap+".weighted_clusters", "clusters"); err != nil {
			return nil, err
		}
		for i, c := range wc.GetClusters() {
			if err := only(c, fmt.Sprintf("%s.weighted_clusters.clusters[%d]", ap, i), "name", "weight"); err != nil {
				return nil, err
			}
			out.Weighted = append(out.Weighted, WeightedCluster{Name: c.GetName(), Weight: c.GetWeight().GetValue()})
			out.TotalWeight += c.GetWeight().GetValue()
		}
		if out.TotalWeight == 0 {
			return nil, fmt.Errorf("%s.weighted_clusters: weights sum to 0", ap)
		}
	default:
		return nil, fmt.Errorf("%s: needs cluster or weighted_clusters", ap)
	}
	if rp := a.GetRetryPolicy(); rp != nil {
		pp := ap + ".retry_policy"
		if err := only(rp, pp, "retry_on", "num_retries", "per_try_timeout"); err != nil {
			return nil, err
		}
		p := &RetryPolicy{NumRetries: 1, PerTryTimeout: dur(rp.GetPerTryTimeout(), 0)}
		if rp.GetNumRetries() != nil {
			p.NumRetries = int(rp.GetNumRetries().GetValue())
		}
		for _, on := range strings.Split(rp.GetRetryOn(), ",") {
			switch strings.TrimSpace(on) {
			case "5xx":
				p.On5xx = true
			case "gateway-error":
				p.OnGatewayError = true
			case "connect-failure", "reset":
				p.OnConnectFailure = true
			case "":
			default:
				return nil, fmt.Errorf("%s.retry_on: %q not supported", pp, on)
			}
		}
		out.Retry = p
	}
	return out, nil
}
