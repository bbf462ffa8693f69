"""Drawing results for people: plain text (no Rich) and the Rich terminal view.

Imported only when a person's report is drawn; the --json path never comes here.
"""
