"""makemessages without fuzzy matching.

msgmerge's guesses ("Remove %(name)s" filled with the text of "Hello %(name)s") are
marked fuzzy and then silently shown to nobody, or worse, shipped by mistake. A new
string stays empty until a person translates it, which the test of untranslated
strings then catches.
"""

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
