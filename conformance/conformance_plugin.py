import skaccel
skaccel.patch_sklearn(verbose=False)
assert skaccel.sklearn_is_patched()
