"""Development aids that are not shipped in the wheel: deliberately broken
engines (`mutants`) that show the safety checks catch what they claim to."""
