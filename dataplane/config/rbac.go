package config

import (
	"fmt"
	"sort"
	"strings"

	rbacv3 "github.com/envoyproxy/go-control-plane/envoy/config/rbac/v3"
)

// RBAC is an RBAC filter's rules: with Allow, a request passes when some policy matches; without
// it (DENY), a request passes when none does.
type RBAC struct {
	Allow    bool
	Policies []Policy
}

// Policy is one named policy; it matches when any principal matches.
type Policy struct {
	Name       string
	Principals []Principal
}

// Principal matches the caller's SPIFFE URI; a principal with Any matches every caller,
// authenticated or not.
type Principal struct {
	Any           bool
	Exact, Prefix string
}

func (p *Principal) match(uri string) bool {
	switch {
	case p.Any:
		return true
	case uri == "":
		return false
	case p.Exact != "":
		return uri == p.Exact
	default:
		return strings.HasPrefix(uri, p.Prefix)
	}
}

// Allowed reports whether the caller with SPIFFE URI principal ("" if none) may pass, and the
// name of the policy that decided it.
func (r *RBAC) Allowed(principal string) (bool, string) {
	for i := range r.Policies {
		for j := range r.Policies[i].Principals {
			if r.Policies[i].Principals[j].match(principal) {
				return r.Allow, r.Policies[i].Name
			}
		}
	}
	return !r.Allow, ""
}

func translateRBAC(rules *rbacv3.RBAC, path string) (*RBAC, error) {
	if rules == nil {
		return nil, nil // no rules: the filter lets everything through
	}
	if err := only(rules, path, "action", "policies"); err != nil {
		return nil, err
	}
	out := &RBAC{}
	switch rules.GetAction() {
	case rbacv3.RBAC_ALLOW:
		out.Allow = true
	case rbacv3.RBAC_DENY:
	default:
		return nil, fmt.Errorf("%s.action: %s not supported", path, rules.GetAction())
	}
	names := make([]string, 0, len(rules.GetPolicies()))
	for n := range rules.GetPolicies() {
		names = append(names, n)
	}
	sort.Strings(names) // map order is random; keep decisions and dumps stable
	for _, n := range names {
		pol := rules.GetPolicies()[n]
		pp := fmt.Sprintf("%s.policies[%s]", path, n)
		if err := only(pol, pp, "permissions", "principals"); err != nil {
			return nil, err
		}
		for i, perm := range pol.GetPermissions() {
			if !perm.GetAny() {
				return nil, fmt.Errorf("%s.permissions[%d]: only any: true is supported", pp, i)
			}
		}
		p := Policy{Name: n}
		for i, pr := range pol.GetPrincipals() {
			got, err := principals(pr, fmt.Sprintf("%s.principals[%d]", pp, i))
			if err != nil {
				return nil, err
			}
			p.Principals = append(p.Principals, got...)
		}
		out.Policies = append(out.Policies, p)
	}
	return out, nil
}

func principals(pr *rbacv3.Principal, path string) ([]Principal, error) {
	switch id := pr.GetIdentifier().(type) {
	case *rbacv3.Principal_Any:
		return []Principal{{Any: true}}, nil
	case *rbacv3.Principal_OrIds:
		var out []Principal
		for i, sub := range id.OrIds.GetIds() {
			got, err := principals(sub, fmt.Sprintf("%s.or_ids[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, got...)
		}
		return out, nil
	case *rbacv3.Principal_Authenticated_:
		sm := id.Authenticated.GetPrincipalName()
		if sm == nil {
			return []Principal{{Prefix: ""}}, nil // any authenticated caller
		}
		if sm.GetIgnoreCase() {
			return nil, fmt.Errorf("%s.authenticated.principal_name.ignore_case: not supported", path)
		}
		if e := sm.GetExact(); e != "" {
			return []Principal{{Exact: e}}, nil
		}
		if p := sm.GetPrefix(); p != "" {
			return []Principal{{Prefix: p}}, nil
		}
		return nil, fmt.Errorf("%s.authenticated.principal_name: only exact and prefix are supported", path)
	default:
		return nil, fmt.Errorf("%s: principal %T not supported", path, id)
	}
}
