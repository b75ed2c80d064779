// Package ads is the proxy's xDS client: one state-of-the-world ADS stream to the zone control
// plane, subscriptions in the order docs/XDS.md gives, ACK after a config is applied, NACK with
// error_detail when it cannot be, and reconnection with jittered backoff while the last applied
// config keeps serving.
package ads
