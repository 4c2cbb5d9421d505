package web

import (
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/template/parse"
)

// Every template body starts with a call to traced, which tells the
// function set by TraceTemplates (tests only) which template ran. A test
// crawls the pages and compares what ran with TemplateNames, so that no
// template is left that no test ever executed.

var (
	templateTracer atomic.Pointer[func(string)]
	templateNames  sync.Map // name -> struct{}
)

// TraceTemplates makes every template execution, in every Handler, call
// f with the template's name (see TemplateNames); stop ends it. For
// tests.
func TraceTemplates(f func(name string)) (stop func()) {
	templateTracer.Store(&f)
	return func() { templateTracer.Store(nil) }
}

// TemplateNames lists the templates of the parsed pages: a partial or
// the layout by its name ("post", "layout.html"), a page's own template
// as "page:name" ("home:content").
func TemplateNames() []string {
	var out []string
	templateNames.Range(func(k, _ any) bool {
		out = append(out, k.(string))
		return true
	})
	slices.Sort(out)
	return out
}

func traced(name string) string {
	if f := templateTracer.Load(); f != nil {
		(*f)(name)
	}
	return ""
}

// instrument puts the trace call at the start of each template of t not
// in skip, named by prefix+name. Templates that only define others (a
// file's top level) are left alone.
func instrument(t *template.Template, funcs template.FuncMap, prefix string, skip map[string]bool) error {
	for _, x := range t.Templates() {
		if skip[x.Name()] || x.Tree == nil || x.Tree.Root == nil || onlySpace(x.Tree.Root) {
			continue
		}
		name := prefix + x.Name()
		call, err := template.New("trace").Funcs(funcs).Parse("{{traced " + strconv.Quote(name) + "}}")
		if err != nil {
			return fmt.Errorf("trace %s: %w", name, err)
		}
		x.Tree.Root.Nodes = append([]parse.Node{call.Tree.Root.Nodes[0]}, x.Tree.Root.Nodes...)
		templateNames.Store(name, struct{}{})
	}
	return nil
}

func onlySpace(root *parse.ListNode) bool {
	for _, n := range root.Nodes {
		if tn, ok := n.(*parse.TextNode); !ok || strings.TrimSpace(string(tn.Text)) != "" {
			return false
		}
	}
	return true
}
