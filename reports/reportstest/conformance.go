package reportstest

import "github.com/zonemesh/zonemesh/reports"

func conformance() []reports.Requirement {
	s, f, k, u := reports.Succeeded, reports.Failed, reports.Skipped, reports.NotSupported
	return []reports.Requirement{
		{ID: "MZ-ZONE-001", Title: "A zone with a valid token registers with global", Level: "MUST", Profile: "core", Result: s, DurationSeconds: 0.41},
		{ID: "MZ-ZONE-002", Title: "A zone with a forged token is refused", Level: "MUST", Profile: "core", Result: s, DurationSeconds: 0.12},
		{ID: "MZ-ZONE-003", Title: "A disconnected zone is marked offline within the keepalive timeout", Level: "MUST", Profile: "core", Result: s, DurationSeconds: 6.3},
		{ID: "MZ-PROP-001", Title: "A policy created on global reaches every proxy within budget", Level: "MUST", Profile: "core", Result: s, DurationSeconds: 0.52},
		{ID: "MZ-PROP-002", Title: "A deleted policy disappears from every proxy within budget", Level: "MUST", Profile: "core", Result: s, DurationSeconds: 0.47},
		{ID: "MZ-PROP-003", Title: "A burst of 1000 policies arrives in every zone", Level: "SHOULD", Profile: "scale", Result: s, DurationSeconds: 2.9},
		{ID: "MZ-ROUTE-001", Title: "Cross-zone calls go through the destination zone's ingress", Level: "MUST", Profile: "routing", Result: s, DurationSeconds: 1.1},
		{ID: "MZ-ROUTE-002", Title: "Local zone is preferred when healthy", Level: "MUST", Profile: "routing", Result: s, DurationSeconds: 3.2},
		{ID: "MZ-ROUTE-003", Title: "Failover follows the configured zone order", Level: "MUST", Profile: "routing", Result: s, DurationSeconds: 8.7},
		{ID: "MZ-ROUTE-004", Title: "Weighted split across zones within ±5% at n=2000", Level: "SHOULD", Profile: "routing", Result: s, DurationSeconds: 12.4},
		{ID: "MZ-ROUTE-005", Title: "Header match routes to a version subset", Level: "SHOULD", Profile: "routing", Result: u, Reason: "target lacks feature HTTPHeaderMatch"},
		{ID: "MZ-SEC-001", Title: "Plaintext is refused at the zone ingress", Level: "MUST", Profile: "security", Result: s, DurationSeconds: 0.33},
		{ID: "MZ-SEC-002", Title: "TrafficPermission deny is enforced cross-zone", Level: "MUST", Profile: "security", Result: s, DurationSeconds: 1.8},
		{ID: "MZ-SEC-003", Title: "Certificates rotate before expiry without dropped requests", Level: "SHOULD", Profile: "security", Result: k, Reason: "needs a CA lifetime below 60 s; --ca-lifetime not set"},
		{ID: "MZ-RES-001", Title: "Proxies keep serving while global is down", Level: "MUST", Profile: "resilience", Result: s, DurationSeconds: 15.2},
		{ID: "MZ-RES-004", Title: "Proxies keep serving while their zone CP restarts", Level: "MUST", Profile: "resilience", Result: f, Reason: "zone-3 proxies returned 503 for 4.2 s after zone CP restart", DurationSeconds: 21.6},
		{ID: "MZ-PART-001", Title: "Zones converge after a partition heals", Level: "MUST", Profile: "resilience", Result: s, DurationSeconds: 18.9},
		{ID: "MZ-PART-002", Title: "Changes made during a partition arrive after the heal", Level: "MUST", Profile: "resilience", Result: f, Reason: "reached zone-2 5.8 s after heal (budget 5 s)", DurationSeconds: 24.1},
	}
}
