package preview

import (
	"encoding/json"
	"strings"
)

// linkedData is what a card takes from a page's JSON-LD (schema.org)
// description of itself, which news sites fill more carefully than their
// meta tags: authors and publisher especially.
type linkedData struct {
	headline, description, language, image, datePublished string
	authorName, authorURL, publisherName, publisherURL    string
}

// parseLinkedData reads the JSON-LD scripts of a page and returns the
// fields of the first article it describes, or of the first web page when
// there is no article. Scripts that are not valid JSON are skipped, as
// browsers and crawlers do.
func parseLinkedData(scripts []string) linkedData {
	var nodes []map[string]any
	for _, script := range scripts {
		var v any
		if err := json.Unmarshal([]byte(stripCDATA(script)), &v); err != nil {
			continue
		}
		nodes = appendNodes(nodes, v)
	}
	byID := make(map[string]map[string]any)
	for _, n := range nodes {
		if id, ok := n["@id"].(string); ok && id != "" {
			if _, dup := byID[id]; !dup {
				byID[id] = n
			}
		}
	}
	var chosen map[string]any
	for _, n := range nodes {
		if isArticle(n["@type"]) {
			chosen = n
			break
		}
		if chosen == nil && hasType(n["@type"], "WebPage") {
			chosen = n
		}
	}
	if chosen == nil {
		return linkedData{}
	}
	ld := linkedData{
		headline:      str(chosen["headline"]),
		description:   str(chosen["description"]),
		language:      ldLanguage(chosen["inLanguage"]),
		image:         imageURL(chosen["image"], byID),
		datePublished: str(chosen["datePublished"]),
	}
	if author := deref(first(chosen["author"]), byID); author != nil {
		ld.authorName, ld.authorURL = str(author["name"]), str(author["url"])
	} else {
		ld.authorName = str(first(chosen["author"]))
	}
	if publisher := deref(first(chosen["publisher"]), byID); publisher != nil {
		ld.publisherName, ld.publisherURL = str(publisher["name"]), str(publisher["url"])
	}
	return ld
}

// stripCDATA removes the commented CDATA markers some publishers wrap
// their JSON in, for the sake of old XHTML parsers.
func stripCDATA(s string) string {
	s = strings.TrimSpace(s)
	for _, p := range []string{"/*<![CDATA[*/", "//<![CDATA[", "<![CDATA["} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	for _, p := range []string{"/*]]>*/", "//]]>", "]]>"} {
		if rest, ok := strings.CutSuffix(s, p); ok {
			s = strings.TrimSpace(rest)
			break
		}
	}
	return s
}

// appendNodes appends the objects of a JSON-LD document: the top-level
// object or array, and the members of their @graph.
func appendNodes(nodes []map[string]any, v any) []map[string]any {
	switch v := v.(type) {
	case map[string]any:
		nodes = append(nodes, v)
		if graph, ok := v["@graph"].([]any); ok {
			for _, g := range graph {
				if obj, ok := g.(map[string]any); ok {
					nodes = append(nodes, obj)
				}
			}
		}
	case []any:
		for _, item := range v {
			if obj, ok := item.(map[string]any); ok {
				nodes = appendNodes(nodes, obj)
			}
		}
	}
	return nodes
}

func isArticle(t any) bool {
	for _, name := range typeNames(t) {
		switch name {
		case "BlogPosting", "LiveBlogPosting", "SocialMediaPosting", "DiscussionForumPosting",
			"Report", "ReportageNews":
			return true
		}
		if strings.HasSuffix(name, "Article") {
			return true
		}
	}
	return false
}

func hasType(t any, want string) bool {
	for _, name := range typeNames(t) {
		if name == want {
			return true
		}
	}
	return false
}

// typeNames returns the @type of a node, a string or an array of strings,
// without a "schema:" or "https://schema.org/" prefix.
func typeNames(t any) []string {
	var names []string
	switch t := t.(type) {
	case string:
		names = []string{t}
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				names = append(names, s)
			}
		}
	}
	for i, n := range names {
		if j := strings.LastIndexAny(n, "/:"); j >= 0 {
			names[i] = n[j+1:]
		}
	}
	return names
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func first(v any) any {
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return nil
		}
		return arr[0]
	}
	return v
}

// deref returns the object v, or the node it refers to when it is only a
// reference ({"@id": ...}), as Yoast and other generators write authors.
func deref(v any, byID map[string]map[string]any) map[string]any {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if id, ok := obj["@id"].(string); ok && len(obj) == 1 {
		if target, ok := byID[id]; ok {
			return target
		}
	}
	return obj
}

func imageURL(v any, byID map[string]map[string]any) string {
	v = first(v)
	if s, ok := v.(string); ok {
		return s
	}
	if obj := deref(v, byID); obj != nil {
		if u := str(obj["url"]); u != "" {
			return u
		}
		return str(obj["contentUrl"])
	}
	return ""
}

// ldLanguage reads inLanguage: a code, or a Language object.
func ldLanguage(v any) string {
	v = first(v)
	if s, ok := v.(string); ok {
		return s
	}
	if obj, ok := v.(map[string]any); ok {
		if s := str(obj["alternateName"]); s != "" {
			return s
		}
		return str(obj["name"])
	}
	return ""
}
