package lang

import "strings"

// frenchStopWords are French function words and very common words that
// carry no topic: articles, prepositions, pronouns, conjunctions, the forms
// of être, avoir, faire, pouvoir, devoir, aller and dire that are most
// frequent, common adverbs and number words. Elided forms end in an
// apostrophe as the tokenizer writes them.
const frenchStopWords = `
a à â afin ai aie aient aies ailleurs ainsi ait alors après as assez au aucun
aucune aujourd'hui auquel aura aurai auraient aurais aurait auras aurez auriez
aurions aurons auront aussi autant autour autre autres aux auxquelles auxquels
avaient avais avait avant avec avez aviez avions avoir avons ayant ayez ayons
beaucoup bien bientôt c' ça car ce ceci cela celle celles celui cent cependant
certain certaine certaines certains ces cet cette ceux chacun chacune chaque
chez ci cinq comme comment contre d' dans de dedans dehors déjà depuis des dès
desquelles desquels deux devant devait devaient devra devrait dit dite dites
dits divers dix doit doivent donc dont du duquel durant elle elles en encore
entre environ es est et étaient étais était étant été êtes étions être eu eue
eues eûmes eurent eus eut eux fait faire faisait faites fais fois font fut
furent fûmes hors huit ici il ils j' jamais je jusqu' jusque l' la là laquelle
le lequel les lesquelles lesquels leur leurs lors lorsqu' lorsque lui m' ma
mais malgré me même mêmes mes mien mienne moi moins mon n' ne neuf ni non nos
notre nôtre nous ô on ont ou où par parce parfois parmi pas pendant personne
peu peut peuvent peux plupart plus plusieurs pour pourquoi pourra pourrait
pouvait pouvoir presque puis puisqu' puisque qu' quand quant quatre que quel
quelle quelles quels quelque quelques qui quoi quoiqu' quoique rien s' sa sans
sauf se selon sept sera serai seraient serais serait seras serez seriez serions
serons seront ses si sien sienne sinon six soi soient sois soit sommes son sont
sous souvent soyez soyons suis sur surtout t' ta tandis tant te tel telle
telles tels tes toi ton toujours tous tout toute toutes très trois trop tu un
une unes uns va vais vers via voici voilà vont vos votre vôtre vous vu y
`

// englishStopWords are English function words and very common words that
// carry no topic, with their usual contractions.
const englishStopWords = `
a about above across after again against ago all almost along already also
although always am among an and another any anyone anything are aren't around
as at away be became because been before being below between both but by can
can't cannot could couldn't did didn't do does doesn't doing don't done down
during each either else enough etc even ever every few first for from further
get gets getting got had hadn't has hasn't have haven't having he he'd he'll
her here hers herself him himself his how however i i'd i'll i'm i've if in
into is isn't it its itself just last least less let like many may maybe me
might more most much must mustn't my myself neither never next no nor not now
of off often on once one only onto or other others otherwise our ours
ourselves out over own per perhaps quite rather really said same say says see
seen several shall shan't she she'd she'll should shouldn't since so some
something still such than that the their theirs them themselves then there
these they they'd they'll they're they've this those though through thus to
too toward towards under until up upon us very via was wasn't we we'd we'll
we're we've well were weren't what when where whether which while who whom
whose why will with within without won't would wouldn't yet you you'd you'll
you're you've your yours yourself yourselves zero two three four five six
seven eight nine ten hundred thousand he's here's how's it's let's she's that's there's
what's when's where's who's why's
`

// stopSets holds the parsed lists. It is filled once, when the package is
// initialised, and only read afterwards.
var stopSets = map[string]map[string]struct{}{
	French:  wordSet(frenchStopWords),
	English: wordSet(englishStopWords),
}

func wordSet(list string) map[string]struct{} {
	fields := strings.Fields(list)
	set := make(map[string]struct{}, len(fields))
	for _, w := range fields {
		set[w] = struct{}{}
	}
	return set
}

// IsStopWord reports whether word, lowercased as Tokenize writes it, is a
// stop word in language lang ("fr" or "en"). Other languages have no list
// and always give false.
func IsStopWord(lang, word string) bool {
	_, ok := stopSets[lang][word]
	return ok
}

// StopWords returns the stop words of lang, unordered, in a new slice.
func StopWords(lang string) []string {
	set := stopSets[lang]
	out := make([]string, 0, len(set))
	for w := range set {
		out = append(out, w)
	}
	return out
}
