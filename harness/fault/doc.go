// Package fault injects network faults on the harness's TCP links. A Link is a named directed
// path (e.g. "zone-a→zone-b": connections zone-a opens to zone-b) served by an in-process
// toxiproxy listener; the harness points every cross-zone and zone↔global connection at its
// link's listen address. A Fault (latency, bandwidth, reset, partition, flap) is one small type
// registered by name, so scenario fault types map onto it; an Injector applies faults to links
// and heals them.
package fault
