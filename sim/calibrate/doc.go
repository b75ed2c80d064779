// Package calibrate fits the simulator's cost model to measurements: service-time
// distributions by maximum likelihood (chosen by the Kolmogorov–Smirnov statistic and AIC),
// cost curves by linear regression, a calibration file the simulator reads, and Validate,
// which compares a prediction with a held-out measured sample set. Timers (backoff,
// keepalive) are configuration and are never fitted.
package calibrate
