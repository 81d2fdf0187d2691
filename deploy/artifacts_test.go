package deploy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"text/template"

	"github.com/callfloor/callfloor"
	"gopkg.in/yaml.v3"
)

// The deployment artefacts (container image, compose, Helm chart) are checked here without root,
// network, podman or helm: they parse and say what they must. deploy/container.sh verify,
// deploy/package-verify.sh and deploy/compose-helm-verify.sh run the real tools (README,
// "Packages and images").

// TestContainerfileFromScratch: no base image, nothing run inside the build (scratch has no
// shell), the non-root user 65532, the port, the binary as entrypoint and the demo as command;
// the build script stages what the image needs (the static binary, CA certificates, zoneinfo,
// the passwd entry).
func TestContainerfileFromScratch(t *testing.T) {
	b, err := os.ReadFile("container/Containerfile")
	if err != nil {
		t.Fatal(err)
	}
	var instr []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, "org.") || strings.HasPrefix(l, "SSL_CERT_FILE") || strings.HasPrefix(l, "ZONEINFO") {
			continue // comments and the continuation lines of ENV and LABEL
		}
		instr = append(instr, l)
	}
	if len(instr) == 0 || instr[0] != "FROM scratch" {
		t.Fatalf("the first instruction must be FROM scratch, got %q", instr)
	}
	has := func(want string) bool { return slices.Contains(instr, want) }
	for _, want := range []string{
		"USER 65532:65532", "EXPOSE 8080", `ENTRYPOINT ["/usr/bin/callfloor"]`,
		`CMD ["serve", "-listen", "0.0.0.0:8080"]`, "WORKDIR /var/lib/callfloor",
		"COPY --chown=65532:65532 state/ /var/lib/callfloor/",
	} {
		if !has(want) {
			t.Errorf("Containerfile: no %q in %q", want, instr)
		}
	}
	for _, l := range instr {
		kw, _, _ := strings.Cut(l, " ")
		switch kw {
		case "FROM":
			if l != "FROM scratch" {
				t.Errorf("a second base image: %q", l)
			}
		case "RUN", "ADD":
			t.Errorf("%q: scratch has no shell, and nothing may be fetched", l)
		}
	}
	sh, err := os.ReadFile("container.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"CGO_ENABLED=0", "callfloor:x:65532:65532:", "/usr/share/zoneinfo", "-tags timetzdata",
		"ca-certificates.crt", "chmod 1777", "--pull=false",
	} {
		if !strings.Contains(string(sh), want) {
			t.Errorf("container.sh: no %q", want)
		}
	}
}

// checkConfig decodes a callfloor.yaml as serve does (unknown fields refused), fills what the
// environment would (the Secret's or .env's URLs and ARI password), and validates it.
func checkConfig(t *testing.T, name string, data []byte) *callfloor.Config {
	t.Helper()
	var cfg callfloor.Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		t.Fatalf("%s: %v\n%s", name, err, data)
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = "postgres://callfloor:x@postgresql:5432/callfloor"
	}
	for i := range cfg.Asterisk {
		if cfg.Asterisk[i].PasswordEnv != "" {
			cfg.Asterisk[i].Password = "secret"
		}
	}
	cfg.ApplyDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &cfg
}

// TestComposeFile: the four services, callfloor after a successful migrate and healthy Redis
// and PostgreSQL, health checks everywhere (callfloor's in exec form: the image has no shell),
// named volumes for the data, and a configuration callfloor accepts.
func TestComposeFile(t *testing.T) {
	b, err := os.ReadFile("compose/compose.yaml")
	if err != nil {
		t.Fatal(err)
	}
	type service struct {
		Image       string         `yaml:"image"`
		Command     []string       `yaml:"command"`
		Environment map[string]any `yaml:"environment"`
		Volumes     []string       `yaml:"volumes"`
		Ports       []string       `yaml:"ports"`
		DependsOn   map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
	}
	var c struct {
		Services map[string]service `yaml:"services"`
		Volumes  map[string]any     `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil { // anchors and << merges resolved here
		t.Fatal(err)
	}
	for _, s := range []string{"postgres", "redis", "asterisk", "migrate", "callfloor"} {
		if _, ok := c.Services[s]; !ok {
			t.Errorf("no service %s", s)
		}
	}
	cf, mig := c.Services["callfloor"], c.Services["migrate"]
	if !strings.Contains(cf.Image, "localhost/callfloor") || cf.Image != mig.Image {
		t.Errorf("callfloor's and migrate's image: %q %q", cf.Image, mig.Image)
	}
	if !reflect.DeepEqual(cf.Command, []string{"serve", "-config", "/etc/callfloor/callfloor.yaml"}) ||
		!reflect.DeepEqual(mig.Command, []string{"migrate", "-config", "/etc/callfloor/callfloor.yaml"}) {
		t.Errorf("commands: callfloor %q, migrate %q", cf.Command, mig.Command)
	}
	for dep, cond := range map[string]string{"migrate": "service_completed_successfully", "redis": "service_healthy", "postgres": "service_healthy"} {
		if cf.DependsOn[dep].Condition != cond {
			t.Errorf("callfloor depends on %s: %q, want %q", dep, cf.DependsOn[dep].Condition, cond)
		}
	}
	if mig.DependsOn["postgres"].Condition != "service_healthy" {
		t.Errorf("migrate must wait for a healthy postgres: %+v", mig.DependsOn)
	}
	for _, s := range []string{"postgres", "redis", "asterisk", "callfloor"} {
		if len(c.Services[s].Healthcheck.Test) == 0 {
			t.Errorf("%s has no health check", s)
		}
	}
	if got := cf.Healthcheck.Test; len(got) < 3 || got[0] != "CMD" || got[1] != "/usr/bin/callfloor" || got[2] != "healthcheck" {
		t.Errorf("callfloor's health check must exec the binary (no shell in the image): %q", got)
	}
	for _, k := range []string{"CALLFLOOR_DATABASE_URL", "CALLFLOOR_REDIS_URL", "CALLFLOOR_ARI_PASSWORD"} {
		if _, ok := cf.Environment[k]; !ok {
			t.Errorf("callfloor's environment has no %s", k)
		}
	}
	for _, v := range []string{"pgdata", "redisdata", "callfloor-data"} {
		if _, ok := c.Volumes[v]; !ok {
			t.Errorf("no named volume %s", v)
		}
	}
	if !slices.Contains(cf.Volumes, "callfloor-data:/var/lib/callfloor") {
		t.Errorf("callfloor's data_dir is not on a volume: %q", cf.Volumes)
	}
	if !slices.ContainsFunc(c.Services["redis"].Command, func(s string) bool { return s == "--appendonly" }) {
		t.Errorf("redis without its append-only file: %q", c.Services["redis"].Command)
	}
	cfgData, err := os.ReadFile("compose/callfloor.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := checkConfig(t, "compose/callfloor.yaml", cfgData)
	if cfg.Listen != "0.0.0.0:8080" || len(cfg.Asterisk) == 0 || cfg.Asterisk[0].URL != "http://asterisk:8088" || cfg.DataDir != "/var/lib/callfloor" {
		t.Errorf("compose's callfloor.yaml: listen %q, asterisk %+v, data_dir %q", cfg.Listen, cfg.Asterisk, cfg.DataDir)
	}
	for _, f := range []string{"compose/asterisk/http.conf", "asterisk/ari.conf", "asterisk/extensions.conf"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("compose mounts %s: %v", f, err)
		}
	}
}

// helmFuncs: the functions the chart uses, as Helm (sprig) defines them. A template that uses
// any other does not parse here: keep the chart within this set or add it.
func helmFuncs(tpl *template.Template) template.FuncMap {
	str := func(v any) string {
		if v == nil {
			return ""
		}
		return fmt.Sprint(v)
	}
	empty := func(v any) bool {
		if v == nil {
			return true
		}
		r := reflect.ValueOf(v)
		switch r.Kind() {
		case reflect.String, reflect.Map, reflect.Slice:
			return r.Len() == 0
		case reflect.Bool:
			return !r.Bool()
		}
		return r.IsZero()
	}
	indent := func(n int, s string) string {
		pad := strings.Repeat(" ", n)
		return pad + strings.ReplaceAll(s, "\n", "\n"+pad)
	}
	return template.FuncMap{
		"include": func(name string, data any) (string, error) {
			var b bytes.Buffer
			err := tpl.ExecuteTemplate(&b, name, data)
			return b.String(), err
		},
		"toYaml": func(v any) (string, error) {
			b, err := yaml.Marshal(v)
			return strings.TrimSuffix(string(b), "\n"), err
		},
		"nindent":    func(n int, s string) string { return "\n" + indent(n, s) },
		"quote":      func(v any) string { return fmt.Sprintf("%q", str(v)) },
		"default":    func(d, v any) any { return map[bool]any{true: d, false: v}[empty(v)] },
		"contains":   func(sub, s string) bool { return strings.Contains(s, sub) },
		"trunc":      func(n int, s string) string { return s[:min(n, len(s))] },
		"trimSuffix": func(suf, s string) string { return strings.TrimSuffix(s, suf) },
		"sha256sum":  func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) },
		"required": func(msg string, v any) (any, error) {
			if empty(v) {
				return nil, errors.New(msg)
			}
			return v, nil
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[str(kv[i])] = kv[i+1]
			}
			return m
		},
		"omit": func(m map[string]any, keys ...string) map[string]any {
			out := map[string]any{}
			for k, v := range m {
				if !slices.Contains(keys, k) {
					out[k] = v
				}
			}
			return out
		},
	}
}

// renderChart renders deploy/helm/callfloor as `helm template` would, with values.yaml and the
// overrides given, and returns the objects by "Kind/name".
func renderChart(t *testing.T, override func(values map[string]any)) map[string]map[string]any {
	t.Helper()
	dir := "helm/callfloor"
	var chart map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &chart); err != nil {
		t.Fatal(err)
	}
	if chart["apiVersion"] != "v2" || chart["name"] != "callfloor" {
		t.Fatalf("Chart.yaml: %v", chart)
	}
	var values map[string]any
	if b, err = os.ReadFile(filepath.Join(dir, "values.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &values); err != nil {
		t.Fatal(err)
	}
	if override != nil {
		override(values)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "templates", "*"))
	tpl := template.New("chart").Option("missingkey=zero")
	tpl.Funcs(helmFuncs(tpl))
	for _, f := range files {
		if strings.HasSuffix(f, ".txt") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := "callfloor/templates/" + filepath.Base(f)
		if _, err := tpl.New(name).Parse(string(src)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	top := map[string]any{
		"Values":   values,
		"Release":  map[string]any{"Name": "prod", "Namespace": "callfloor", "Service": "Helm"},
		"Chart":    map[string]any{"Name": chart["name"], "Version": chart["version"], "AppVersion": chart["appVersion"]},
		"Template": map[string]any{"BasePath": "callfloor/templates"},
	}
	objs := map[string]map[string]any{}
	for _, f := range files {
		base := filepath.Base(f)
		if strings.HasPrefix(base, "_") || strings.HasSuffix(base, ".txt") {
			continue
		}
		var out bytes.Buffer
		if err := tpl.ExecuteTemplate(&out, "callfloor/templates/"+base, top); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		dec := yaml.NewDecoder(&out)
		for {
			var o map[string]any
			if err := dec.Decode(&o); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				t.Fatalf("%s renders no valid YAML: %v", base, err)
			}
			if o == nil {
				continue
			}
			md, _ := o["metadata"].(map[string]any)
			objs[fmt.Sprintf("%v/%v", o["kind"], md["name"])] = o
		}
	}
	return objs
}

// dig follows keys and list indexes through decoded YAML.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[k]
		case int:
			l, _ := v.([]any)
			if k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// TestHelmChart: the roles split (an ACD StatefulSet of 2 under leases, web and history
// Deployments), every pod non-root with a read-only root, migrate first, probes on /healthz and
// /readyz, the Service on the web pods, the configuration valid with the lease on, the secrets
// in a Secret (or the operator's own).
func TestHelmChart(t *testing.T) {
	objs := renderChart(t, nil)
	var kinds []string
	for k := range objs {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	want := []string{"ConfigMap/prod-callfloor", "Deployment/prod-callfloor-history", "Deployment/prod-callfloor-web",
		"PodDisruptionBudget/prod-callfloor-acd", "Secret/prod-callfloor", "Service/prod-callfloor", "Service/prod-callfloor-acd",
		"StatefulSet/prod-callfloor-acd"}
	if !reflect.DeepEqual(kinds, want) {
		t.Fatalf("objects:\n got %q\nwant %q", kinds, want)
	}
	roles := map[string]string{"StatefulSet/prod-callfloor-acd": "acd", "Deployment/prod-callfloor-web": "web", "Deployment/prod-callfloor-history": "history"}
	for name, role := range roles {
		o := objs[name]
		pod := dig(o, "spec", "template", "spec")
		if dig(o, "spec", "selector", "matchLabels", "app.kubernetes.io/component") != role ||
			dig(o, "spec", "template", "metadata", "labels", "app.kubernetes.io/component") != role {
			t.Errorf("%s: selector or pod labels do not name %s", name, role)
		}
		if dig(pod, "securityContext", "runAsNonRoot") != true || dig(pod, "securityContext", "runAsUser") != 65532 {
			t.Errorf("%s: pod security context %v", name, dig(pod, "securityContext"))
		}
		c := dig(pod, "containers", 0)
		args := fmt.Sprint(dig(c, "args"))
		if args != fmt.Sprintf("[serve -config /etc/callfloor/callfloor.yaml -roles %s]", role) {
			t.Errorf("%s: args %s", name, args)
		}
		if dig(c, "livenessProbe", "httpGet", "path") != "/healthz" || dig(c, "readinessProbe", "httpGet", "path") != "/readyz" {
			t.Errorf("%s: probes %v %v", name, dig(c, "livenessProbe"), dig(c, "readinessProbe"))
		}
		if dig(c, "securityContext", "readOnlyRootFilesystem") != true || dig(c, "securityContext", "allowPrivilegeEscalation") != false ||
			fmt.Sprint(dig(c, "securityContext", "capabilities", "drop")) != "[ALL]" {
			t.Errorf("%s: container security context %v", name, dig(c, "securityContext"))
		}
		if fmt.Sprint(dig(pod, "initContainers", 0, "args")) != "[migrate -config /etc/callfloor/callfloor.yaml]" {
			t.Errorf("%s: no migrate init container: %v", name, dig(pod, "initContainers"))
		}
		if dig(c, "envFrom", 0, "secretRef", "name") != "prod-callfloor" || dig(c, "image") != "localhost/callfloor:"+chartAppVersion(t) {
			t.Errorf("%s: envFrom %v, image %v", name, dig(c, "envFrom"), dig(c, "image"))
		}
		mounts := fmt.Sprint(dig(c, "volumeMounts"))
		for _, m := range []string{"/etc/callfloor", "/var/lib/callfloor", "/tmp"} {
			if !strings.Contains(mounts, "mountPath:"+m) {
				t.Errorf("%s: %s not mounted (read-only root): %s", name, m, mounts)
			}
		}
	}
	if r := dig(objs["StatefulSet/prod-callfloor-acd"], "spec", "replicas"); r != 2 {
		t.Errorf("acd replicas %v, want 2 (active + standby)", r)
	}
	if dig(objs["StatefulSet/prod-callfloor-acd"], "spec", "volumeClaimTemplates", 0, "metadata", "name") != "data" {
		t.Error("the ACD's outbox is not on a persistent volume")
	}
	if dig(objs["Service/prod-callfloor"], "spec", "selector", "app.kubernetes.io/component") != "web" {
		t.Errorf("the Service selects %v", dig(objs["Service/prod-callfloor"], "spec", "selector"))
	}
	for _, k := range []string{"CALLFLOOR_DATABASE_URL", "CALLFLOOR_REDIS_URL", "CALLFLOOR_ARI_PASSWORD"} {
		if dig(objs["Secret/prod-callfloor"], "stringData", k) == nil {
			t.Errorf("the Secret has no %s", k)
		}
	}
	cfgText, _ := dig(objs["ConfigMap/prod-callfloor"], "data", "callfloor.yaml").(string)
	cfg := checkConfig(t, "the chart's callfloor.yaml", []byte(cfgText))
	if !cfg.ACD.Lease.Enabled || cfg.Listen != "0.0.0.0:8080" || cfg.DataDir != "/var/lib/callfloor" || cfg.TimeZone != "Asia/Shanghai" {
		t.Errorf("the chart's configuration: lease %+v listen %q data_dir %q time_zone %q", cfg.ACD.Lease, cfg.Listen, cfg.DataDir, cfg.TimeZone)
	}

	// the operator's own Secret, no persistence for the ACD
	objs = renderChart(t, func(v map[string]any) {
		v["existingSecret"] = "callfloor-secrets"
		v["acd"].(map[string]any)["persistence"].(map[string]any)["enabled"] = false
	})
	if _, ok := objs["Secret/prod-callfloor"]; ok {
		t.Error("a Secret is made although existingSecret names one")
	}
	acd := objs["StatefulSet/prod-callfloor-acd"]
	if dig(acd, "spec", "template", "spec", "containers", 0, "envFrom", 0, "secretRef", "name") != "callfloor-secrets" {
		t.Errorf("the pods do not use existingSecret: %v", dig(acd, "spec", "template", "spec", "containers", 0, "envFrom"))
	}
	if dig(acd, "spec", "volumeClaimTemplates") != nil || !strings.Contains(fmt.Sprint(dig(acd, "spec", "template", "spec", "volumes")), "name:data") {
		t.Errorf("without persistence the ACD's data must be an emptyDir: %v", dig(acd, "spec", "template", "spec", "volumes"))
	}
}

// chartAppVersion is Chart.yaml's appVersion: the image tag when values.yaml names none.
func chartAppVersion(t *testing.T) string {
	var chart struct {
		AppVersion string `yaml:"appVersion"`
	}
	b, err := os.ReadFile("helm/callfloor/Chart.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &chart); err != nil {
		t.Fatal(err)
	}
	return chart.AppVersion
}
