// Package nodeagent is a node agent for the test cluster (harness/kubetest): it plays the
// kubelet of one Node, so Pods bound to that Node really run, without containers. Each Pod
// gets a loopback address of its own (127.160.x.y) that is reported as its Pod IP; each
// container becomes a process of the zonemesh binary, its command, args and env taken from
// the Pod spec (downward API fields, $(VAR) references, ConfigMap and Secret volumes
// written to files). A Pod has no network namespace here, so the agent maps the Pod's own
// loopback (127.0.0.1, localhost, 0.0.0.0 in args and env) to the Pod's address.
//
// The agent's Node carries no kwok annotation, so kwok, when it runs too, leaves the Node
// and its Pods alone. The agent stops a Pod's processes when the Pod is deleted (then
// removes it, as a kubelet does) and all of them on Close.
package nodeagent
