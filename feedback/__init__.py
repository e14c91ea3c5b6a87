"""Citizens' feedback and complaints (phản ánh, kiến nghị) and the agencies' answers."""
