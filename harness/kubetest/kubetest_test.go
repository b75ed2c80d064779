package kubetest_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/zonemesh/zonemesh/harness/kubetest"
)

func TestStartServesAndStopReleases(t *testing.T) {
	if m := kubetest.Missing(false); m != "" {
		t.Skip("kubetest: " + m)
	}
	e, err := kubetest.Start(context.Background(), kubetest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := kubernetes.NewForConfig(e.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	v, err := cs.Discovery().ServerVersion()
	if err != nil || v.GitVersion != kubetest.Version {
		t.Fatalf("server version %v, %v; want %s", v, err, kubetest.Version)
	}
	if _, err := cs.CoreV1().Namespaces().List(context.Background(), metav1.ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(e.Kubeconfig); err != nil {
		t.Fatal(err)
	}
	dir := e.Dir
	e.Stop()
	e.Stop() // idempotent
	u, _ := url.Parse(e.Server)
	if c, err := net.Dial("tcp", u.Host); err == nil {
		c.Close()
		t.Fatal("API server still listening after Stop")
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("temporary dir left: %v", err)
	}
}

// BenchmarkStart is the cost of one test control plane: etcd and kube-apiserver from
// launch to /readyz 200, then stopped.
func BenchmarkStart(b *testing.B) {
	if m := kubetest.Missing(false); m != "" {
		b.Skip("kubetest: " + m)
	}
	for i := 0; i < b.N; i++ {
		e, err := kubetest.Start(context.Background(), kubetest.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		e.Stop()
		b.StartTimer()
	}
}
