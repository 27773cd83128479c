module fastcheck

go 1.26.8
