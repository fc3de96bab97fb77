// Package deploy holds the deployment example, compose.yaml: two console
// replicas behind oauth2-proxy, and PostgreSQL. Nothing here runs a
// container. The tests read the file and hold it to the console's own
// settings (compose_test.go), and the browser journey through the real
// oauth2-proxy runs the proxy with the file's flags (e2e), so the example
// cannot drift from what the binary accepts:
//
//	c, err := deploy.Load("deploy/compose.yaml", map[string]string{"ONELOGIN_SUBDOMAIN": "acme"})
//	flags := deploy.Flags(c.Services["oauth2-proxy"].Command)
package deploy

import (
	"fmt"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Compose is the part of a compose file the tests read.
type Compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Environment map[string]string `yaml:"environment"`
		Command     []string          `yaml:"command"`
		Networks    Networks          `yaml:"networks"`
		// Secrets are the names of the secrets mounted in the service, at
		// /run/secrets/NAME.
		Secrets []string `yaml:"secrets"`
	} `yaml:"services"`
	// Secrets are the docker secrets, by name, each from a file.
	Secrets map[string]struct {
		File string `yaml:"file"`
	} `yaml:"secrets"`
}

// SecretsDir is where a service finds the secrets it mounts.
const SecretsDir = "/run/secrets/"

// Networks is a service's networks, in either of compose's two forms: a
// list of names, or a map of names to settings.
type Networks map[string]struct {
	IPv4    string   `yaml:"ipv4_address"`
	Aliases []string `yaml:"aliases"`
}

// UnmarshalYAML reads either form.
func (n *Networks) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind == yaml.SequenceNode {
		var names []string
		if err := v.Decode(&names); err != nil {
			return err
		}
		*n = Networks{}
		for _, name := range names {
			(*n)[name] = struct {
				IPv4    string   `yaml:"ipv4_address"`
				Aliases []string `yaml:"aliases"`
			}{}
		}
		return nil
	}
	m := map[string]struct {
		IPv4    string   `yaml:"ipv4_address"`
		Aliases []string `yaml:"aliases"`
	}{}
	if err := v.Decode(&m); err != nil {
		return err
	}
	*n = m
	return nil
}

// Load reads a compose file with its ${VAR} references filled from vars
// (a reference to a variable vars lacks becomes its default, or "").
func Load(path string, vars map[string]string) (Compose, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Compose{}, err
	}
	var c Compose
	if err := yaml.Unmarshal([]byte(interpolate(string(raw), vars)), &c); err != nil {
		return Compose{}, fmt.Errorf("%s does not parse: %w", path, err)
	}
	return c, nil
}

var ref = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)(?::([?-])([^}]*))?\}`)

// interpolate does what compose does to ${VAR}, ${VAR:-default} and
// ${VAR:?message}.
func interpolate(s string, vars map[string]string) string {
	return ref.ReplaceAllStringFunc(s, func(m string) string {
		p := ref.FindStringSubmatch(m)
		if v, ok := vars[p[1]]; ok && v != "" {
			return v
		}
		if p[2] == "-" {
			return p[3]
		}
		return ""
	})
}

// OAuth2ProxyVersion is the oauth2-proxy release the compose file names and
// the browser journey builds.
const OAuth2ProxyVersion = "7.15.6"

// Flags reads --name=value flags.
func Flags(args []string) map[string]string {
	out := map[string]string{}
	for _, a := range args {
		if k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "="); ok {
			out[k] = v
		}
	}
	return out
}
