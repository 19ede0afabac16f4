"""What the chapter notebooks show, one module per page (``book/src/<page>.md``).

A notebook cell calls one function here and the page narrates around it: the function
displays the tables, figures (through :mod:`analysis.presentation.plotting`) and computed
sentences the cell used to build inline. :mod:`.common` holds what several chapters show
alike (the verdict sentence and table). The numbers come from the chapter modules
(``analysis.chapters``) and the data layer; nothing here decides a verdict.
"""
