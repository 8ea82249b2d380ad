"""Forms, one module per area of the app; fields the areas share are in `common`."""
