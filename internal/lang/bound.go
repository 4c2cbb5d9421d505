package lang

// frenchBoundWords are French words that name a topic only bound to
// another word. The words that measure or date something (months, days
// of the week, units of time, money, length and weight, counting nouns)
// need a number ("50 ans", "août 2012", "7,2 milliards d'euros"); the
// adjectives of order, age, size and worth that stand before nouns need
// their noun ("nouveau gouvernement", "premier ministre").
const frenchBoundWords = `
janvier février mars avril mai juin juillet août septembre octobre novembre
décembre lundi mardi mercredi jeudi vendredi samedi dimanche
minute minutes heure heures jour jours journée journées semaine semaines mois
an ans année années siècle siècles matin matinée soir soirée nuit nuits
utc gmt cest
euros dollars centimes livres francs
km kilomètres mètres cm mm kg kilos grammes tonnes litres hectares
millier milliers million millions milliard milliards centaine centaines
dizaine dizaines personnes
nouveau nouvel nouvelle nouveaux nouvelles ancien ancienne anciens anciennes
premier première premiers premières dernier dernière derniers dernières
grand grande grands grandes petit petite petits petites gros grosse
meilleur meilleure meilleurs meilleures bon bonne bons bonnes
mauvais mauvaise mauvaises jeune jeunes vieux vieil vieille vieilles
`

// englishBoundWords are the English words that name a topic only bound
// to another word: units, calendar words and the adjectives of order, age,
// size and worth.
const englishBoundWords = `
january february march april june july august september october november
december monday tuesday wednesday thursday friday saturday sunday
minute minutes hour hours day days week weeks month months year years
century centuries morning evening night nights tonight yesterday tomorrow
utc gmt
euros dollars cents pounds
km kilometres kilometers miles metres meters feet inches cm mm kg kilos
grams tons tonnes litres liters gallons acres hectares
thousands million millions billion billions hundreds dozens
people percent times
new old former latest big small large little great good
bad best better worst major main young
`

// boundSets holds the parsed lists. It is filled once, when the package
// is initialised, and only read afterwards.
var boundSets = map[string]map[string]struct{}{
	French:  wordSet(frenchBoundWords),
	English: wordSet(englishBoundWords),
}

// IsBoundWord reports whether word, lowercased as Tokenize writes it, names
// a topic in language lang ("fr" or "en") only bound to another word: a
// unit or calendar word ("juillet", "heures", "euros", "millions"), which
// needs a number, or an adjective such as "nouveau" or "premier", which
// needs its noun. Such words make no keyphrase alone. Other languages
// always give false.
func IsBoundWord(lang, word string) bool {
	_, ok := boundSets[lang][word]
	return ok
}
