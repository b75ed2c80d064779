package nodeagent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/controlplane/cptest"
	"github.com/zonemesh/zonemesh/dataplane/echo"
	"github.com/zonemesh/zonemesh/harness/kubetest"
	"github.com/zonemesh/zonemesh/harness/kubetest/nodeagent"
	"github.com/zonemesh/zonemesh/harness/proc"
)

// block picks a second octet for the test's loopback addresses, so runs side by side (and
// the harness's own 127.B blocks) rarely meet; 130-189 stays clear of the zones' VIP range
// (127.64.0.0/10).
func block() byte { return byte(130 + rand.IntN(60)) }

func startAgent(t *testing.T, cs kubernetes.Interface, b byte) *nodeagent.Agent {
	t.Helper()
	a, err := nodeagent.Start(context.Background(), nodeagent.Config{Client: cs, Binary: cptest.Binary(t), Dir: t.TempDir(),
		Addresses: netip.PrefixFrom(netip.AddrFrom4([4]byte{127, b, 0, 0}), 17), Grace: 3 * time.Second,
		Logger: cptest.Logger(t).With("at", "nodeagent")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

// echoPod is a Pod whose container runs `zonemesh echo` on the Pod's port 8080, ready when
// /ready answers.
func echoPod(ns, name, node, service, version, zone string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Image: "zonemesh/zonemesh:dev",
			Args:           []string{"echo", "--listen=0.0.0.0:8080", "--service=" + service, "--version=" + version, "--zone=" + zone, "--instance=$(POD_NAME)"},
			Env:            []corev1.EnvVar{{Name: "POD_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.name"}}}},
			Ports:          []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}},
			ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/ready", Port: intstr.FromString("http")}}},
		}}}}
}

// readyPod waits until the Pod is Ready and returns it.
func readyPod(t *testing.T, cs kubernetes.Interface, ns, name string) *corev1.Pod {
	t.Helper()
	var p *corev1.Pod
	cptest.Eventually(t, 60*time.Second, "pod "+ns+"/"+name+" ready", func() error {
		var err error
		if p, err = cs.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{}); err != nil {
			return err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("phase %s, ip %q, conditions %+v, message %q", p.Status.Phase, p.Status.PodIP, p.Status.Conditions, p.Status.Message)
	})
	return p
}

func getEcho(url, host string) (echo.Reply, error) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return echo.Reply{}, err
	}
	if host != "" {
		req.Host = host
	}
	cl := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := cl.Do(req)
	if err != nil {
		return echo.Reply{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return echo.Reply{}, fmt.Errorf("%s: %s %q", url, resp.Status, body)
	}
	var r echo.Reply
	if err := json.Unmarshal(body, &r); err != nil {
		return echo.Reply{}, fmt.Errorf("%s: %q: %w", url, body, err)
	}
	return r, nil
}

func closed(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil
	}
	c.Close()
	return fmt.Errorf("%s still accepts connections", addr)
}

func createNamespace(t *testing.T, cs kubernetes.Interface, name string, labels map[string]string) {
	t.Helper()
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// TestAgentRunsPodsOnLoopback: a Pod bound to the agent's Node runs as a process on a
// loopback address of its own, reported as its Pod IP, Ready once its probe answers; kwok,
// running alongside for its own Node, leaves it alone; deleting the Pod stops the process
// and removes the Pod; Close stops the rest.
func TestAgentRunsPodsOnLoopback(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{Kwok: true})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	b := block()
	a := startAgent(t, cs, b)
	createNamespace(t, cs, "apps", nil)

	// A kwok Node and Pod next to ours: kwok runs that one (10.244.0.0/24), not ours.
	if _, err := cs.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "kwok-0",
		Annotations: map[string]string{kubetest.FakeNodeAnnotation: "fake"}}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods("apps").Create(ctx, echoPod("apps", "on-kwok", "kwok-0", "echo", "v1", "zone-k"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Pods("apps").Create(ctx, echoPod("apps", "echo-1", a.Node(), "echo", "v1", "zone-k"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := readyPod(t, cs, "apps", "echo-1")
	ip, err := netip.ParseAddr(p.Status.PodIP)
	if err != nil || !netip.PrefixFrom(netip.AddrFrom4([4]byte{127, b, 0, 0}), 17).Contains(ip) {
		t.Fatalf("pod IP %q: want one of the agent's loopback addresses (127.%d.0.0/17)", p.Status.PodIP, b)
	}
	addr := net.JoinHostPort(p.Status.PodIP, "8080")
	r, err := getEcho("http://"+addr+"/", "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Instance != "echo-1" || r.Service != "echo" || r.Zone != "zone-k" {
		t.Fatalf("reply %+v: want instance echo-1 (the Pod name through the downward API)", r)
	}
	kp := readyPod(t, cs, "apps", "on-kwok")
	if ip, _ := netip.ParseAddr(kp.Status.PodIP); !netip.MustParsePrefix("10.244.0.0/24").Contains(ip) {
		t.Fatalf("kwok's pod has IP %q: want kwok's 10.244.0.0/24", kp.Status.PodIP)
	}
	// Still ours after kwok has had its turn.
	if p, err = cs.CoreV1().Pods("apps").Get(ctx, "echo-1", metav1.GetOptions{}); err != nil || p.Status.PodIP != ip.String() {
		t.Fatalf("after kwok: pod IP %q (%v), want %s", p.Status.PodIP, err, ip)
	}

	// The Node's heartbeat: a Lease held by the Node, as the controller manager expects.
	cptest.Eventually(t, 10*time.Second, "node lease", func() error {
		l, err := cs.CoordinationV1().Leases(corev1.NamespaceNodeLease).Get(ctx, a.Node(), metav1.GetOptions{})
		if err != nil {
			return err
		}
		if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != a.Node() || l.Spec.RenewTime == nil {
			return fmt.Errorf("lease %+v", l.Spec)
		}
		return nil
	})

	// Deleted (gracefully, as kubectl does): the process stops and the Pod goes.
	if err := cs.CoreV1().Pods("apps").Delete(ctx, "echo-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 30*time.Second, "pod removed", func() error {
		_, err := cs.CoreV1().Pods("apps").Get(ctx, "echo-1", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("still there: %v", err)
	})
	if err := closed(addr); err != nil {
		t.Fatal(err)
	}

	// Close stops what still runs.
	if _, err := cs.CoreV1().Pods("apps").Create(ctx, echoPod("apps", "echo-2", a.Node(), "echo", "v1", "zone-k"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p2 := readyPod(t, cs, "apps", "echo-2")
	if p2.Status.PodIP == p.Status.PodIP {
		t.Fatalf("two pods share IP %s", p2.Status.PodIP)
	}
	a.Close()
	if err := closed(net.JoinHostPort(p2.Status.PodIP, "8080")); err != nil {
		t.Fatal(err)
	}
}

// TestUnsupportedPodFails: a container the agent cannot run fails the Pod with the reason.
func TestUnsupportedPodFails(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	a := startAgent(t, cs, block())
	createNamespace(t, cs, "apps", nil)
	p := echoPod("apps", "nginx", a.Node(), "x", "", "z")
	p.Spec.Containers[0].Image, p.Spec.Containers[0].Args = "nginx:1.27", nil
	if _, err := cs.CoreV1().Pods("apps").Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 30*time.Second, "pod failed", func() error {
		got, err := cs.CoreV1().Pods("apps").Get(context.Background(), "nginx", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if got.Status.Phase != corev1.PodFailed || got.Status.Message == "" {
			return fmt.Errorf("phase %s message %q", got.Status.Phase, got.Status.Message)
		}
		return nil
	})
}

// BenchmarkPodReady is one echo Pod from create to Ready through the node agent (watch,
// volumes and env, process start, readiness probe, status write, the status reaching the
// client) and its deletion until the process is gone. The baseline,
// BenchmarkProcessReady, starts the same process directly until /ready answers.
func BenchmarkPodReady(b *testing.B) {
	env := kubetest.Require(b, kubetest.Options{})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	a, err := nodeagent.Start(ctx, nodeagent.Config{Client: cs, Binary: cptest.Binary(b), Dir: b.TempDir(),
		Addresses: netip.PrefixFrom(netip.AddrFrom4([4]byte{127, block(), 0, 0}), 17), Grace: 3 * time.Second,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "bench"}}, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("echo-%d", i)
		w, err := cs.CoreV1().Pods("bench").Watch(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := cs.CoreV1().Pods("bench").Create(ctx, echoPod("bench", name, a.Node(), "echo", "v1", "z"), metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		var ip string
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			for _, c := range p.Status.Conditions {
				if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
					ip = p.Status.PodIP
				}
			}
			if ip != "" {
				break
			}
		}
		w.Stop()
		zero := int64(0)
		if err := cs.CoreV1().Pods("bench").Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero}); err != nil {
			b.Fatal(err)
		}
		for closed(net.JoinHostPort(ip, "8080")) != nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func BenchmarkProcessReady(b *testing.B) {
	bin, dir := cptest.Binary(b), b.TempDir()
	ip := netip.AddrFrom4([4]byte{127, block(), 0, 2})
	addr := net.JoinHostPort(ip.String(), "8080")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := proc.Start(context.Background(), proc.Spec{Name: "echo", Path: bin, LogDir: dir, Grace: 3 * time.Second,
			Args:  []string{"echo", "--listen=" + addr, "--service=echo", "--zone=z", "--instance=echo"},
			Ready: proc.Probe{HTTP: "http://" + addr + "/ready", Interval: 50 * time.Millisecond}})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Stop(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestAgentRestartsExitedContainers: a container whose process dies makes the Pod not
// ready, is started again (restartPolicy Always) and the Pod is Ready again with the
// restart counted.
func TestAgentRestartsExitedContainers(t *testing.T) {
	env := kubetest.Require(t, kubetest.Options{})
	cs, err := kubernetes.NewForConfig(env.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a := startAgent(t, cs, block())
	createNamespace(t, cs, "apps", nil)
	if _, err := cs.CoreV1().Pods("apps").Create(ctx, echoPod("apps", "echo-1", a.Node(), "echo", "v1", "z"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	p := readyPod(t, cs, "apps", "echo-1")
	pid := pidListening(t, "--listen="+p.Status.PodIP+":8080")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cptest.Eventually(t, 60*time.Second, "container restarted and pod ready again", func() error {
		got, err := cs.CoreV1().Pods("apps").Get(ctx, "echo-1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if len(got.Status.ContainerStatuses) != 1 || got.Status.ContainerStatuses[0].RestartCount != 1 || !got.Status.ContainerStatuses[0].Ready {
			return fmt.Errorf("container statuses %+v", got.Status.ContainerStatuses)
		}
		_, err = getEcho("http://"+net.JoinHostPort(got.Status.PodIP, "8080")+"/", "")
		return err
	})
	if pid2 := pidListening(t, "--listen="+p.Status.PodIP+":8080"); pid2 == pid {
		t.Fatalf("same process %d still runs", pid)
	}
}

// pidListening finds the process whose command line has arg (the test's own child).
func pidListening(t *testing.T, arg string) int {
	t.Helper()
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil {
			continue
		}
		for _, a := range strings.Split(string(b), "\x00") {
			if a == arg {
				return pid
			}
		}
	}
	t.Fatalf("no process with argument %q", arg)
	return 0
}
