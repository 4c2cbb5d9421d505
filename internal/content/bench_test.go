package content

import "testing"

// typicalPost is about 300 characters with the usual mix: two mentions (one
// remote), three hashtags, a long link and two paragraphs.
const typicalPost = "Nouveau billet : comment mesurer ce que rapportent vos conversations, " +
	"sans compter les likes achetés. https://blog.example.fr/2026/11/mesurer-les-conversations-sociales?utm_source=parvis\n\n" +
	"Merci @alice et @bob@example.social pour vos relectures attentives ! " +
	"On en parle jeudi à 18 h. #Parvis #SocialMedia #réseau"

func BenchmarkParse(b *testing.B) {
	b.SetBytes(int64(len(typicalPost)))
	for b.Loop() {
		Parse(typicalPost)
	}
}

func BenchmarkParseRender(b *testing.B) {
	r := testRenderer()
	b.SetBytes(int64(len(typicalPost)))
	b.ReportAllocs()
	for b.Loop() {
		r.Render(typicalPost)
	}
}

func BenchmarkLength(b *testing.B) {
	b.SetBytes(int64(len(typicalPost)))
	for b.Loop() {
		Length(typicalPost)
	}
}

func BenchmarkSanitize(b *testing.B) {
	s := NewSanitizer()
	in := testRenderer().Render(typicalPost)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s.Sanitize(in)
	}
}

func BenchmarkPlainText(b *testing.B) {
	in := testRenderer().Render(typicalPost)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		PlainText(in)
	}
}
