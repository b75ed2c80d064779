// Package target is the reference mesh as a conformance Target: it brings the suite topology
// up with harness/mesh on the process or the docker backend and maps every Target operation onto the live
// mesh (the REST API, calls through a zone's sidecar, component actions, fault links and the
// echo workload's control endpoints).
package target
