// Package defect is the test-only switch that seeds one named defect into the reference mesh,
// so the conformance suite can prove its checks fail (zonemesh conformance mutate).
//
// Active is a constant false unless the binary is built with -tags zonemesh_defects (make
// bin/zonemesh-defects); only then does it read ZONEMESH_DEFECT. A production build has no
// way to turn a defect on: the compiler removes every guarded branch.
package defect

// Names of the defects, with the place that consults each.
const (
	ZoneAuthBypass     = "zone-auth-bypass"       // kds: global accepts any zone token
	AnonymousWrites    = "api-anonymous-writes"   // api: writes need no admin token
	ZoneNeverOffline   = "zone-never-offline"     // kds: a closed or hung zone stream never marks the zone Offline
	DeletesDropped     = "deletes-not-propagated" // kds: zones never remove policies global deleted
	PropagationDelayed = "propagation-delayed"    // kds: global holds every policy change back 20 s
	GlobalForgets      = "global-forgets-writes"  // global: a memory store, so a restart loses everything
	PermissionsIgnored = "permissions-ignored"    // xds: inbound RBAC allows every caller
	FailoverDisabled   = "failover-disabled"      // xds: every zone's endpoints in one priority
	SplitIgnored       = "split-ignored"          // xds: weighted splits send everything to the first entry
	HeaderMatchIgnored = "header-match-ignored"   // xds: header and path matches are dropped
	TimeoutsIgnored    = "timeouts-ignored"       // xds: Timeout policies are not applied
	RetriesDisabled    = "retries-disabled"       // xds: Retry policies are not applied
	ZoneStatusOffline  = "zone-status-offline"    // global API: every zone reported Offline
	UploadDisabled     = "upload-disabled"        // kds: zones do not send dataplanes and ingresses up

	ClientCertUnverified = "client-cert-unverified" // proxy: an inbound accepts any client certificate, mesh CA or not
	IdentityDropped      = "identity-dropped"       // proxy: the inbound does not pass the caller's identity on (no XFCC)
	ZeroWeightKept       = "zero-weight-kept"       // xds: a split entry of weight 0 is read as unset and given weight 50
	BurstTruncated       = "burst-truncated"        // kds: global passes at most 100 changes a second to zones, drops the rest
	ZombieDataplanes     = "zombie-dataplanes"      // kds: global ignores the removals zones upload
	RequestsShed         = "requests-shed"          // proxy: 0.5% of requests answered 503 in steady state
	StateDroppedOffline  = "state-dropped-offline"  // kds: a zone that loses global deletes everything global sent it
	ConfigDroppedOnLoss  = "config-dropped-on-loss" // proxy: a proxy that loses its control plane drops its config
	IngressPlaintext     = "ingress-plaintext"      // proxy: the ingress routes non-TLS bytes by their HTTP Host header
	ResyncStale          = "resync-stale"           // kds: a reconnecting zone is resent only the names its last stream had
)

// All lists every defect.
func All() []string {
	return []string{ZoneAuthBypass, AnonymousWrites, ZoneNeverOffline, DeletesDropped, PropagationDelayed, GlobalForgets,
		PermissionsIgnored, FailoverDisabled, SplitIgnored, HeaderMatchIgnored, TimeoutsIgnored, RetriesDisabled,
		ZoneStatusOffline, UploadDisabled, ClientCertUnverified, IdentityDropped, ZeroWeightKept, BurstTruncated,
		ZombieDataplanes, RequestsShed, StateDroppedOffline, ConfigDroppedOnLoss, IngressPlaintext, ResyncStale}
}
