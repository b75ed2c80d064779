package kubetest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/client-go/rest"
)

// Options configure Start.
type Options struct {
	// Kwok also starts kwok, which marks Nodes annotated kwok.x-k8s.io/node=fake Ready and
	// runs Pods bound to them (Running, with an IP from 10.244.0.0/24).
	Kwok bool
	// Controllers also starts kube-controller-manager: Deployments get ReplicaSets and
	// Pods, Services get EndpointSlices, namespaces get their default ServiceAccount,
	// deleted owners take their dependents along. Pods still need a node to run on (kwok,
	// or harness/kubetest/nodeagent) and, with no scheduler, spec.nodeName set.
	Controllers bool
	// Dir holds data, certificates and logs; a temporary directory (removed on Stop) if empty.
	Dir string
}

// Env is a running control plane.
type Env struct {
	// Dir holds the data, certificates, kubeconfig and one log file per process.
	Dir string
	// Server is the API server's URL; Kubeconfig a file for it (context "kubetest").
	Server, Kubeconfig string
	// Token is the admin bearer token (group system:masters).
	Token string
	// CAFile verifies the API server's certificate.
	CAFile  string
	tempDir bool
	procs   []*proc // in start order
}

// proc is one child; done closes when it has exited (its one Wait is in run).
type proc struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
}

const adminToken = "kubetest-admin-token"

// Start launches etcd and kube-apiserver on free loopback ports (and kwok with
// Options.Kwok) and returns once /readyz answers 200. It takes about 3 s.
func Start(ctx context.Context, opts Options) (_ *Env, err error) {
	if m := MissingFor(opts); m != "" {
		return nil, errors.New("kubetest: " + m)
	}
	e := &Env{Dir: opts.Dir, Token: adminToken}
	if e.Dir == "" {
		if e.Dir, err = os.MkdirTemp("", "kubetest-"); err != nil {
			return nil, fmt.Errorf("kubetest: %w", err)
		}
		e.tempDir = true
	}
	defer func() {
		if err != nil {
			e.Stop()
		}
	}()
	if err := e.writeFiles(); err != nil {
		return nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	client, peer := fmt.Sprintf("http://127.0.0.1:%d", ports[0]), fmt.Sprintf("http://127.0.0.1:%d", ports[1])
	if err := e.run("etcd", "--name=kubetest", "--data-dir="+filepath.Join(e.Dir, "etcd"),
		"--listen-client-urls="+client, "--advertise-client-urls="+client,
		"--listen-peer-urls="+peer, "--initial-advertise-peer-urls="+peer,
		"--initial-cluster=kubetest="+peer, "--unsafe-no-fsync", "--log-level=warn"); err != nil {
		return nil, err
	}
	e.Server = "https://127.0.0.1:" + strconv.Itoa(ports[2])
	e.CAFile = filepath.Join(e.Dir, "certs", "apiserver.crt")
	if err := e.run("kube-apiserver", "--etcd-servers="+client,
		"--bind-address=127.0.0.1", "--secure-port="+strconv.Itoa(ports[2]), "--advertise-address=127.0.0.1",
		// The advertised address is loopback, which the endpoint reconciler refuses to publish.
		"--endpoint-reconciler-type=none",
		"--cert-dir="+filepath.Join(e.Dir, "certs"), "--token-auth-file="+filepath.Join(e.Dir, "tokens.csv"),
		"--authorization-mode=RBAC", "--service-cluster-ip-range=10.96.0.0/16",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file="+filepath.Join(e.Dir, "sa.pem"),
		"--service-account-signing-key-file="+filepath.Join(e.Dir, "sa.pem"),
		// No controller manager creates the "default" ServiceAccount of each namespace.
		"--disable-admission-plugins=ServiceAccount", "--profiling=false"); err != nil {
		return nil, err
	}
	if err := e.waitReady(ctx); err != nil {
		return nil, err
	}
	if err := e.writeKubeconfig(); err != nil {
		return nil, err
	}
	if opts.Controllers {
		if err := e.run("kube-controller-manager", "--kubeconfig="+e.Kubeconfig, "--leader-elect=false",
			"--secure-port=0", "--controllers=*", "--service-account-private-key-file="+filepath.Join(e.Dir, "sa.pem"),
			"--root-ca-file="+e.CAFile, "--service-cluster-ip-range=10.96.0.0/16", "--profiling=false"); err != nil {
			return nil, err
		}
	}
	if opts.Kwok {
		if err := e.run("kwok", "--kubeconfig="+e.Kubeconfig, "--config="+filepath.Join(BinDir(), "kwok-stages.yaml"),
			"--manage-all-nodes=false", "--manage-nodes-with-annotation-selector="+FakeNodeAnnotation+"=fake",
			"--cidr=10.244.0.0/24", "--node-ip=10.0.0.10", "--node-lease-duration-seconds=40",
			"--server-address=127.0.0.1:"+strconv.Itoa(mustFreePort())); err != nil {
			return nil, err
		}
	}
	return e, nil
}

// FakeNodeAnnotation marks a Node that kwok plays the kubelet of.
const FakeNodeAnnotation = "kwok.x-k8s.io/node"

// RESTConfig returns a client configuration with the admin token.
func (e *Env) RESTConfig() *rest.Config {
	return &rest.Config{Host: e.Server, BearerToken: e.Token, TLSClientConfig: rest.TLSClientConfig{CAFile: e.CAFile},
		QPS: 200, Burst: 400}
}

// Stop terminates the processes in reverse order (SIGTERM, SIGKILL after 10 s) and removes
// a temporary Dir. It is idempotent.
func (e *Env) Stop() {
	for i := len(e.procs) - 1; i >= 0; i-- {
		stop(e.procs[i])
	}
	e.procs = nil
	if e.tempDir {
		os.RemoveAll(e.Dir)
		e.tempDir = false
	}
}

func stop(p *proc) {
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

func (e *Env) run(name string, args ...string) error {
	log, err := os.Create(filepath.Join(e.Dir, name+".log"))
	if err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	defer log.Close() // the child holds its own descriptor
	c := exec.Command(filepath.Join(BinDir(), name), args...)
	c.Stdout, c.Stderr = log, log
	// Its own process group, so Stop reaches any children too.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := c.Start(); err != nil {
		return fmt.Errorf("kubetest: start %s: %w", name, err)
	}
	p := &proc{name: name, cmd: c, done: make(chan struct{})}
	go func() { c.Wait(); close(p.done) }()
	e.procs = append(e.procs, p)
	return nil
}

func (e *Env) writeFiles() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("kubetest: service account key: %w", err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return fmt.Errorf("kubetest: service account key: %w", err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(filepath.Join(e.Dir, "sa.pem"), pemKey, 0o600); err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	tokens := adminToken + `,admin,admin-uid,"system:masters"` + "\n"
	if err := os.WriteFile(filepath.Join(e.Dir, "tokens.csv"), []byte(tokens), 0o600); err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	return nil
}

func (e *Env) writeKubeconfig() error {
	e.Kubeconfig = filepath.Join(e.Dir, "kubeconfig")
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: kubetest, cluster: {server: %q, certificate-authority: %q}}]
users: [{name: admin, user: {token: %q}}]
contexts: [{name: kubetest, context: {cluster: kubetest, user: admin}}]
current-context: kubetest
`, e.Server, e.CAFile, e.Token)
	if err := os.WriteFile(e.Kubeconfig, []byte(kc), 0o600); err != nil {
		return fmt.Errorf("kubetest: %w", err)
	}
	return nil
}

// waitReady polls /readyz until it answers 200, a process exits, or ctx ends (default 60 s).
func (e *Env) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		if last = e.probe(ctx); last == nil {
			return nil
		}
		for _, p := range e.procs {
			select {
			case <-p.done:
				return fmt.Errorf("kubetest: %s exited during start-up: %s", p.name, tail(filepath.Join(e.Dir, p.name+".log")))
			default:
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("kubetest: kube-apiserver not ready: %v; log: %s", last, tail(filepath.Join(e.Dir, "kube-apiserver.log")))
		case <-tick.C:
		}
	}
}

func (e *Env) probe(ctx context.Context) error {
	ca, err := os.ReadFile(e.CAFile)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	cl := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	defer cl.CloseIdleConnections()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, e.Server+"/readyz", nil)
	req.Header.Set("Authorization", "Bearer "+e.Token)
	resp, err := cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("/readyz: %s", resp.Status)
	}
	return nil
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("kubetest: free port: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

func mustFreePort() int {
	p, err := freePorts(1)
	if err != nil {
		return 0
	}
	return p[0]
}
