// Package fakeproxy runs lightweight ADS clients, many per process, that stand in for proxies
// when a test needs thousands of them: each registers a Dataplane through its node metadata,
// subscribes like the reference proxy (CDS and LDS, then EDS and RDS by name, SDS), ACKs every
// response, and records when each version of each type arrived and when watched policies first
// showed up in its config.
package fakeproxy
