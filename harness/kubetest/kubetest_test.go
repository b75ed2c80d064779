package kubetest_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
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

// TestControllersRunDeployments: with Controllers, a Deployment gets its Pods and a new
// namespace its default ServiceAccount (both the controller manager's work).
func TestControllersRunDeployments(t *testing.T) {
	e := kubetest.Require(t, kubetest.Options{Controllers: true})
	cs, err := kubernetes.NewForConfig(e.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "apps"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	two := int32(2)
	labels := map[string]string{"app": "web"}
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "apps"},
		Spec: appsv1.DeploymentSpec{Replicas: &two, Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "web"}}}}}}
	if _, err := cs.AppsV1().Deployments("apps").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		pods, err := cs.CoreV1().Pods("apps").List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		_, saErr := cs.CoreV1().ServiceAccounts("apps").Get(ctx, "default", metav1.GetOptions{})
		if err == nil && len(pods.Items) == 2 && saErr == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pods %v (%v), default service account: %v", pods, err, saErr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
