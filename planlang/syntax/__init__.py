"""The syntax: the grammar's parser, the syntax tree, its builder and the syntax errors."""
