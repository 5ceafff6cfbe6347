" .qnet files are qnetlang programs.
autocmd BufRead,BufNewFile *.qnet setfiletype qnet
