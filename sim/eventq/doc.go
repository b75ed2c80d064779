// Package eventq is the simulator's event queue: a binary heap of concrete Event values in
// virtual time, ordered by (At, Seq) so that equal times pop in insertion order and a run is
// reproducible.
package eventq
