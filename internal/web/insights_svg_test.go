package web

import (
	"strings"
	"testing"

	"parvis/internal/insights"
)

func TestNiceMax(t *testing.T) {
	tests := []struct{ in, want float64 }{{0, 4}, {3, 4}, {5, 8}, {9, 20}, {21, 40}, {95, 100}, {101, 200}, {1234, 2000}}
	for _, tt := range tests {
		if got := niceMax(tt.in); got != tt.want {
			t.Errorf("niceMax(%v): got %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestChartsEscapeAndLabel(t *testing.T) {
	svg := string(lineChart("c", `<b>"title"</b>`, "desc & more", []chartSeries{{Name: "<x>",
		Points: []insights.Point{{Date: "2025-01-01", Value: 1}, {Date: "2025-01-02", Value: 3}}}, {Name: "y"}}))
	for _, want := range []string{`role="img"`, `aria-labelledby="c-t c-d"`, "&lt;b&gt;&#34;title&#34;&lt;/b&gt;", "desc &amp; more",
		"&lt;x&gt;", "<polyline"} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %q: %s", want, svg)
		}
	}
	bars := string(barChart("d", "t", "d", []insights.Bucket{{Label: "1", Count: 2}, {Label: "2+", Count: 0}}))
	if strings.Count(bars, "<rect") != 2 {
		t.Errorf("bars: %s", bars)
	}
	empty := string(lineChart("e", "t", "d", nil))
	if !strings.HasSuffix(empty, "</svg>") {
		t.Errorf("an empty chart is not closed: %s", empty)
	}
}
