package conformance

// Feature is a capability a Target declares. A requirement that needs a feature the Target
// lacks ends NotSupported: the report shows the gap instead of a pass.
type Feature string

const (
	FeatureZoneStatus     Feature = "ZoneStatus"     // global reports each zone Online/Offline
	FeatureZoneAuth       Feature = "ZoneAuth"       // zone credentials can be probed (forged, mismatched)
	FeatureAPIAuth        Feature = "APIAuth"        // the policy API can be called without credentials
	FeaturePolicyReadback Feature = "PolicyReadback" // a policy's version can be read at global and in each zone
	FeatureProxyVersions  Feature = "ProxyVersions"  // each proxy's sent/ACKed config versions can be read
	FeatureInventory      Feature = "Inventory"      // global lists the dataplanes and ingresses of every zone
	FeatureMTLS           Feature = "MTLS"           // mesh mTLS with a caller identity the destination sees
	FeatureIngressProbe   Feature = "IngressProbe"   // raw connections to a zone ingress can be made
	FeatureLocality       Feature = "Locality"       // locality-aware load balancing with an ordered failover list
	FeatureZoneSplit      Feature = "ZoneSplit"      // a route can split traffic by zone
	FeatureHeaderRouting  Feature = "HeaderRouting"  // routes match on headers and paths
	FeatureTimeouts       Feature = "Timeouts"       // request timeouts
	FeatureRetries        Feature = "Retries"        // retries on 5xx
	FeatureWorkloadFaults Feature = "WorkloadFaults" // a service instance can be told to fail or slow down
	FeatureL7Faults       Feature = "L7Faults"       // a FaultInjection policy (HTTP abort)
	FeatureComponentOps   Feature = "ComponentOps"   // kill, pause, resume and restart control planes and ingresses
	FeatureLinkFaults     Feature = "LinkFaults"     // partition links zone↔global and zone→zone
	FeatureScale          Feature = "Scale"          // change a service's replica count
)

var featureDocs = map[Feature]string{
	FeatureZoneStatus:     "global reports each zone Online or Offline",
	FeatureZoneAuth:       "zone credentials can be probed: a forged token, a token of another zone",
	FeatureAPIAuth:        "the policy API can be called without credentials",
	FeaturePolicyReadback: "a policy's version can be read at global and in each zone's store",
	FeatureProxyVersions:  "each proxy's sent and ACKed config versions can be read",
	FeatureInventory:      "global lists the dataplanes and ingresses of every zone",
	FeatureMTLS:           "mesh mTLS; the destination reports the caller's identity",
	FeatureIngressProbe:   "raw TCP/TLS connections to a zone ingress can be made",
	FeatureLocality:       "locality-aware load balancing with an ordered failover list",
	FeatureZoneSplit:      "a route can split traffic by zone",
	FeatureHeaderRouting:  "routes match on headers and path prefixes",
	FeatureTimeouts:       "per-destination request timeouts",
	FeatureRetries:        "per-destination retries on 5xx",
	FeatureWorkloadFaults: "a service instance can be told to fail a share of requests or to slow down",
	FeatureL7Faults:       "the FaultInjection policy (HTTP abort)",
	FeatureComponentOps:   "kill, pause, resume and restart the global and zone control planes and ingresses",
	FeatureLinkFaults:     "partition the zone↔global and zone→zone links and heal them",
	FeatureScale:          "change a service's replica count in a zone",
}

// FeatureDoc is a feature's one-line meaning.
func FeatureDoc(f Feature) string { return featureDocs[f] }

// AllFeatures lists every feature.
func AllFeatures() []Feature {
	return []Feature{FeatureZoneStatus, FeatureZoneAuth, FeatureAPIAuth, FeaturePolicyReadback,
		FeatureProxyVersions, FeatureInventory, FeatureMTLS, FeatureIngressProbe, FeatureLocality,
		FeatureZoneSplit, FeatureHeaderRouting, FeatureTimeouts, FeatureRetries, FeatureWorkloadFaults,
		FeatureL7Faults, FeatureComponentOps, FeatureLinkFaults, FeatureScale}
}
