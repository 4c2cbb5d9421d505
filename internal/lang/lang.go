// Package lang holds the language tools that the insights algorithms need:
// language detection, tokenisation, stop words and stemming, for French and
// English first, with lighter support for Spanish, German and Italian in
// detection.
package lang

// Language codes (ISO 639-1) that the package knows.
const (
	French  = "fr"
	English = "en"
	Spanish = "es"
	German  = "de"
	Italian = "it"
)
